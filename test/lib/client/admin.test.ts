/** SluiceAdmin against the real local platform, with bearer-token authentication on (`admin` is an admin principal). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SluiceAdmin } from '../../../lib/client/admin';
import { SluiceApiError, SluiceHttpClient } from '../../../lib/client/sluice-http-client';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,reader=t-reader';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';

let env: TestPlatform;
let admin: SluiceAdmin;

before(async () => {
  env = await startTestPlatform();
  admin = new SluiceAdmin(new SluiceHttpClient({ baseUrl: env.url, headers: { authorization: 'Bearer t-admin' } }));
});

after(async () => {
  await env?.stop();
});

describe('SluiceAdmin', () => {
  test('topics: create, list, describe, topic offsets, list offsets, offsets-for-times, delete', async () => {
    await admin.createTopic('orders', { partitions: 2 });
    const t0 = 1_700_000_000_000;
    await admin.client.produce('orders', { records: [0, 1, 2].map((i) => ({ value: `v${i}`, partition: 0, timestamp: t0 + i * 1000 })) });
    assert.deepEqual((await admin.listTopics()).map((t) => [t.name, t.partitions]), [['orders', 2]]);
    const described = await admin.describeTopic('orders');
    assert.deepEqual(Object.keys(described).sort(), ['config', 'createdAt', 'name', 'partitions', 'topicId']);
    const offsets = await admin.listTopicOffsets('orders');
    assert.deepEqual(offsets, {
      topic: 'orders',
      partitions: [
        { partition: 0, logStartOffset: 0, highWatermark: 3, storedBytes: offsets.partitions[0]!.storedBytes },
        { partition: 1, logStartOffset: 0, highWatermark: 0, storedBytes: 0 },
      ],
    });
    assert.ok(offsets.partitions[0]!.storedBytes! > 0);
    assert.equal((await admin.listOffsets('orders', 0)).highWatermark, 3);
    const times = await admin.offsetsForTimes('orders', t0 + 1500);
    assert.deepEqual(times.map((t) => [t.partition, t.offset]), [[0, 2], [1, null]]);
    assert.deepEqual((await admin.offsetsForTimes('orders', t0, [0])).map((t) => t.offset), [0]);
    await admin.createTopic('scratch');
    await admin.deleteTopic('scratch');
    await assert.rejects(admin.describeTopic('scratch'), (err: unknown) => err instanceof SluiceApiError && err.code === 'TOPIC_NOT_FOUND');
    await assert.rejects(admin.listTopicOffsets('scratch'), (err: unknown) => err instanceof SluiceApiError && err.code === 'TOPIC_NOT_FOUND');
  });

  test('topics: trim a partition below an offset, then to its high watermark', async () => {
    await admin.createTopic('trimmed', { partitions: 1 });
    await admin.client.produce('trimmed', { records: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    assert.deepEqual(await admin.trimPartition('trimmed', 0, 2), { topic: 'trimmed', partition: 0, logStartOffset: 2, highWatermark: 3 });
    assert.deepEqual((await admin.client.fetchRecords('trimmed', 0, { encoding: 'utf8' })).records.map((r) => r.value), ['c']);
    assert.equal((await admin.trimPartition('trimmed', 0, -1)).logStartOffset, 3);
    await assert.rejects(admin.trimPartition('trimmed', 0, 4), (err: unknown) => err instanceof SluiceApiError && err.code === 'OFFSET_OUT_OF_RANGE');
  });

  test('topics: alter config (set and remove), add partitions, and their errors as SluiceApiError', async () => {
    await admin.createTopic('administered', { partitions: 1, config: { 'compression.type': 'gzip' } });
    const altered = await admin.alterTopicConfig('administered', { 'retention.ms': '3600000', 'compression.type': null });
    assert.deepEqual(altered.config, { 'retention.ms': '3600000' });
    assert.deepEqual(await admin.describeTopic('administered'), altered);
    const widened = await admin.createPartitions('administered', 3);
    assert.equal(widened.partitions, 3);
    assert.equal((await admin.describeTopic('administered')).partitions, 3);
    await assert.rejects(admin.createPartitions('administered', 3), (err: unknown) => {
      assert.ok(err instanceof SluiceApiError);
      assert.deepEqual([err.status, err.code, err.details.field, err.details.partitions], [400, 'INVALID_REQUEST', 'count', 3]);
      return true;
    });
    await assert.rejects(admin.alterTopicConfig('administered', { 'segment.bytes': '1' }), (err: unknown) => {
      assert.ok(err instanceof SluiceApiError);
      assert.deepEqual([err.status, err.details.field], [400, 'config.segment.bytes']);
      return true;
    });
  });

  test('groups: reset offsets by hand, list, describe, offsets', async () => {
    await admin.createTopic('events', { partitions: 1 });
    await admin.client.produce('events', { records: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    const member = await admin.client.joinGroup('audit', { topics: ['events'], sessionTimeoutMs: 3000 });
    assert.ok((await admin.listGroups()).some((g) => g.group === 'audit' && g.members === 1));
    assert.deepEqual((await admin.describeGroup('audit')).memberDetails.map((m) => m.memberId), [member.memberId]);
    await assert.rejects(admin.resetGroupOffsets('audit', [{ topic: 'events', partition: 0, offset: 1 }]), (err: unknown) => err instanceof SluiceApiError && err.code === 'GROUP_ACTIVE');
    await admin.client.leaveGroup('audit', member.memberId);
    const committed = await admin.resetGroupOffsets('audit', [{ topic: 'events', partition: 0, offset: 1 }]);
    assert.deepEqual(committed.map((c) => [c.topic, c.partition, c.offset, c.generation]), [['events', 0, 1, -1]]);
    assert.equal((await admin.describeGroup('audit')).members, 0);
    const offsets = await admin.groupOffsets('audit', 'events');
    assert.deepEqual(offsets.partitions.map((p) => [p.committedOffset, p.highWatermark, p.lag]), [[1, 3, 2]]);
    assert.equal(offsets.totalLag, 2);
  });

  test('groups: resetOffsets to a time (dry run, then applied) and to earliest on one partition', async () => {
    const t0 = 1_700_000_000_000;
    await admin.createTopic('ledger', { partitions: 2 });
    await admin.client.produce('ledger', { records: [0, 1, 2, 3].map((i) => ({ value: `v${i}`, partition: i % 2, timestamp: t0 + i * 1000 })) });
    await admin.client.commitOffsets('recon', { offsets: [0, 1].map((partition) => ({ topic: 'ledger', partition, offset: 2 })) });
    const plan = await admin.resetOffsets('recon', 'ledger', { type: 'timestamp', timestamp: t0 + 1000 }, { dryRun: true });
    // p0 holds t0 and t0+2000 (offsets 0, 1), p1 holds t0+1000 and t0+3000: the first at or after t0+1000 is offset 1 on p0, 0 on p1.
    assert.deepEqual(plan.partitions.map((p) => [p.partition, p.previousOffset, p.offset]), [[0, 2, 1], [1, 2, 0]]);
    assert.deepEqual((await admin.groupOffsets('recon', 'ledger')).partitions.map((p) => p.committedOffset), [2, 2]);
    await admin.resetOffsets('recon', 'ledger', { type: 'timestamp', timestamp: t0 + 1000 });
    assert.deepEqual((await admin.groupOffsets('recon', 'ledger')).partitions.map((p) => p.committedOffset), [1, 0]);
    await admin.resetOffsets('recon', 'ledger', { type: 'earliest' }, { partitions: [0] });
    assert.deepEqual((await admin.groupOffsets('recon', 'ledger')).partitions.map((p) => p.committedOffset), [0, 0]);
  });

  test('groups: deleteGroupOffsets of one topic, then deleteGroup; a live group is refused', async () => {
    await admin.createTopic('a-topic');
    await admin.createTopic('b-topic');
    await admin.client.commitOffsets('doomed', { offsets: ['a-topic', 'b-topic'].map((topic) => ({ topic, partition: 0, offset: 0 })) });
    assert.deepEqual(await admin.deleteGroupOffsets('doomed', 'a-topic'), { group: 'doomed', topic: 'a-topic', partitions: [0] });
    assert.deepEqual((await admin.groupOffsets('doomed')).partitions.map((p) => p.topic), ['b-topic']);
    await admin.deleteGroup('doomed');
    await assert.rejects(admin.groupOffsets('doomed'), (err: unknown) => err instanceof SluiceApiError && err.code === 'GROUP_NOT_FOUND');
    const member = await admin.client.joinGroup('busy', { topics: ['a-topic'], sessionTimeoutMs: 3000 });
    await assert.rejects(admin.deleteGroup('busy'), (err: unknown) => err instanceof SluiceApiError && err.code === 'GROUP_ACTIVE' && err.status === 409);
    await assert.rejects(admin.resetOffsets('busy', 'a-topic', { type: 'latest' }), (err: unknown) => err instanceof SluiceApiError && err.code === 'GROUP_ACTIVE');
    await admin.client.leaveGroup('busy', member.memberId);
  });

  test('ACLs and quotas', async () => {
    const rule = await admin.createAcl({ principal: 'reader', resourceType: 'TOPIC', patternType: 'PREFIXED', resourceName: 'orders', operation: 'READ', permission: 'ALLOW' });
    assert.deepEqual((await admin.listAcls()).map((r) => r.ruleId), [rule.ruleId]);
    await admin.deleteAcl(rule.ruleId);
    assert.deepEqual(await admin.listAcls(), []);
    const quota = await admin.setQuota({ principal: 'alice', fetchBytesPerSecond: 2048 });
    assert.deepEqual([quota.produceBytesPerSecond, quota.fetchBytesPerSecond], [null, 2048]);
    assert.deepEqual((await admin.listQuotas()).map((q) => q.principal), ['alice']);
  });
});
