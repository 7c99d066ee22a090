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
    assert.deepEqual(await admin.listTopicOffsets('orders'), {
      topic: 'orders',
      partitions: [
        { partition: 0, logStartOffset: 0, highWatermark: 3 },
        { partition: 1, logStartOffset: 0, highWatermark: 0 },
      ],
    });
    assert.equal((await admin.listOffsets('orders', 0)).highWatermark, 3);
    const times = await admin.offsetsForTimes('orders', t0 + 1500);
    assert.deepEqual(times.map((t) => [t.partition, t.offset]), [[0, 2], [1, null]]);
    assert.deepEqual((await admin.offsetsForTimes('orders', t0, [0])).map((t) => t.offset), [0]);
    await admin.createTopic('scratch');
    await admin.deleteTopic('scratch');
    await assert.rejects(admin.describeTopic('scratch'), (err: unknown) => err instanceof SluiceApiError && err.code === 'TOPIC_NOT_FOUND');
    await assert.rejects(admin.listTopicOffsets('scratch'), (err: unknown) => err instanceof SluiceApiError && err.code === 'TOPIC_NOT_FOUND');
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
