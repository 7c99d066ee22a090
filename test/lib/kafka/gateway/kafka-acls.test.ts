import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAclRule } from '../../../../lib/auth/acl-store';
import { KAFKA_ERRORS } from '../../../../lib/kafka/error-codes';
import { encodeSubscription } from '../../../../lib/kafka/messages/consumer-protocol';
import { DESCRIBE_GROUPS } from '../../../../lib/kafka/messages/describe-groups';
import { FETCH } from '../../../../lib/kafka/messages/fetch';
import { FIND_COORDINATOR } from '../../../../lib/kafka/messages/find-coordinator';
import { HEARTBEAT } from '../../../../lib/kafka/messages/heartbeat';
import { JOIN_GROUP } from '../../../../lib/kafka/messages/join-group';
import { OFFSET_COMMIT } from '../../../../lib/kafka/messages/offset-commit';
import { OFFSET_FETCH } from '../../../../lib/kafka/messages/offset-fetch';
import { LIST_OFFSETS } from '../../../../lib/kafka/messages/list-offsets';
import { PRODUCE } from '../../../../lib/kafka/messages/produce';
import { encodeRecordBatch } from '../../../../lib/kafka/records/record-batch';
import { contextFromEnv } from '../../../../lib/runtime/context-from-env';
import { createTopic } from '../../../../lib/topics/topic-service';
import { ZERO_UUID } from '../../../../lib/kafka/wire/uuid';
import { RawKafkaConnection } from '../../../support/kafka-wire-client';
import { startTestPlatform, type TestPlatform } from '../../../support/local-platform';

/**
 * The HTTP API's ACLs over Kafka for the anonymous principal (auth mode none, no SASL):
 * with ACLs enforced (SLUICE_AUTHORIZATION=acl) anonymous may do only what its rules
 * allow, as it may over HTTP. kafka-sasl.test.ts does the same for principals
 * authenticated with SASL/PLAIN.
 */
describe('Kafka gateway: ACLs and quotas for the connection principal', () => {
  let test: TestPlatform;
  let connection: RawKafkaConnection;
  const records = encodeRecordBatch({ records: [{ offset: 0, timestamp: 1, key: null, value: Buffer.from('v'), headers: [] }] });
  const produce = (name: string) => ({ transactionalId: null, acks: -1, timeoutMs: 1000, topics: [{ name, partitions: [{ index: 0, records }] }] });
  const fetch = (topic: string) => ({
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, rackId: '', forgottenTopics: [],
    topics: [{ topic, topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
  });
  const listOffsets = (name: string) => ({ replicaId: -1, isolationLevel: 0, topics: [{ name, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] });

  before(async () => {
    process.env.SLUICE_AUTHORIZATION = 'acl';
    // 1 byte/s: 10 record bytes per 10 s quota window.
    process.env.SLUICE_DEFAULT_PRODUCE_BYTES_PER_SECOND = '1';
    test = await startTestPlatform();
    const ctx = contextFromEnv();
    await createTopic(ctx, { name: 'acl-closed', partitions: 1, config: {} });
    await createTopic(ctx, { name: 'acl-read-only', partitions: 1, config: {} });
    await createTopic(ctx, { name: 'acl-writable', partitions: 1, config: {} });
    for (const operation of ['WRITE', 'DESCRIBE'] as const) {
      await createAclRule(ctx, { principal: 'anonymous', resourceType: 'TOPIC', patternType: 'LITERAL', resourceName: 'acl-writable', operation, permission: 'ALLOW' });
    }
    for (const operation of ['READ', 'DESCRIBE'] as const) {
      await createAclRule(ctx, { principal: 'anonymous', resourceType: 'TOPIC', patternType: 'LITERAL', resourceName: 'acl-read-only', operation, permission: 'ALLOW' });
    }
    for (const operation of ['READ', 'DESCRIBE'] as const) {
      await createAclRule(ctx, { principal: 'anonymous', resourceType: 'GROUP', patternType: 'LITERAL', resourceName: 'acl-group', operation, permission: 'ALLOW' });
    }
    connection = await RawKafkaConnection.connect(test.platform.kafka!.port);
  });
  after(async () => {
    connection?.socket.destroy();
    await test?.stop();
    delete process.env.SLUICE_AUTHORIZATION;
    delete process.env.SLUICE_DEFAULT_PRODUCE_BYTES_PER_SECOND;
  });

  it('refuses Produce without WRITE, and writes nothing', async () => {
    for (const topic of ['acl-closed', 'acl-read-only']) {
      const { body } = await connection.request(PRODUCE, 7, produce(topic));
      assert.equal(body.topics[0]!.partitions[0]!.errorCode, KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, topic);
    }
    const { body } = await connection.request(LIST_OFFSETS, 6, listOffsets('acl-read-only'));
    assert.equal(body.topics[0]!.partitions[0]!.offset, 0);
  });

  it('writes with WRITE, within the produce quota; past it answers THROTTLING_QUOTA_EXCEEDED with a throttle time and writes nothing', async () => {
    const { body: ok } = await connection.request(PRODUCE, 7, produce('acl-writable'));
    assert.equal(ok.topics[0]!.partitions[0]!.errorCode, 0);
    const big = encodeRecordBatch({ records: [{ offset: 0, timestamp: 1, key: null, value: Buffer.alloc(64), headers: [] }] });
    const { body: over } = await connection.request(PRODUCE, 9, { ...produce('acl-writable'), topics: [{ name: 'acl-writable', partitions: [{ index: 0, records: big }] }] });
    assert.equal(over.topics[0]!.partitions[0]!.errorCode, KAFKA_ERRORS.THROTTLING_QUOTA_EXCEEDED);
    assert.ok(over.throttleTimeMs > 0);
    const { body } = await connection.request(LIST_OFFSETS, 6, listOffsets('acl-writable'));
    assert.equal(body.topics[0]!.partitions[0]!.offset, 1);
  });

  it('refuses Fetch without READ and ListOffsets without DESCRIBE; allows both with them', async () => {
    const closed = await connection.request(FETCH, 12, fetch('acl-closed'));
    assert.equal(closed.body.responses[0]!.partitions[0]!.errorCode, KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED);
    const offsets = await connection.request(LIST_OFFSETS, 1, listOffsets('acl-closed'));
    assert.equal(offsets.body.topics[0]!.partitions[0]!.errorCode, KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED);
    const open = await connection.request(FETCH, 11, fetch('acl-read-only'));
    assert.equal(open.body.responses[0]!.partitions[0]!.errorCode, 0);
    assert.equal(open.body.responses[0]!.partitions[0]!.highWatermark, 0);
  });

  it('holds the group APIs to the HTTP group routes\' checks: GROUP_AUTHORIZATION_FAILED without the group, TOPIC_AUTHORIZATION_FAILED without the topic', async () => {
    const coordinator = async (group: string) => (await connection.request(FIND_COORDINATOR, 3, { key: group, keyType: 0, coordinatorKeys: [] })).body;
    assert.equal((await coordinator('acl-closed-group')).errorCode, KAFKA_ERRORS.GROUP_AUTHORIZATION_FAILED);
    assert.deepEqual(await coordinator('acl-group'), { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 0, host: '127.0.0.1', port: test.platform.kafka!.port, coordinators: [] });

    const join = (group: string, topic: string) => ({
      groupId: group, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 6000, memberId: '', groupInstanceId: null, protocolType: 'consumer', reason: null,
      protocols: [{ name: 'range', metadata: encodeSubscription({ topics: [topic] }) }],
    });
    assert.equal((await connection.request(JOIN_GROUP, 5, join('acl-closed-group', 'acl-read-only'))).body.errorCode, KAFKA_ERRORS.GROUP_AUTHORIZATION_FAILED);
    assert.equal((await connection.request(JOIN_GROUP, 5, join('acl-group', 'acl-closed'))).body.errorCode, KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED);
    const heartbeat = await connection.request(HEARTBEAT, 3, { groupId: 'acl-closed-group', generationId: 1, memberId: 'm', groupInstanceId: null });
    assert.equal(heartbeat.body.errorCode, KAFKA_ERRORS.GROUP_AUTHORIZATION_FAILED);

    // A standalone commit (no member): READ on the group and on each topic, per topic.
    const commit = (group: string) => ({
      groupId: group, generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
      topics: ['acl-closed', 'acl-read-only'].map((name) => ({ name, partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] })),
    });
    const refused = await connection.request(OFFSET_COMMIT, 7, commit('acl-closed-group'));
    assert.deepEqual(refused.body.topics.map((t) => t.partitions[0]!.errorCode), [KAFKA_ERRORS.GROUP_AUTHORIZATION_FAILED, KAFKA_ERRORS.GROUP_AUTHORIZATION_FAILED]);
    const committed = await connection.request(OFFSET_COMMIT, 7, commit('acl-group'));
    assert.deepEqual(committed.body.topics.map((t) => t.partitions[0]!.errorCode), [KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, 0]);

    const fetchOffsets = (group: string) => ({ groupId: group, topics: [{ name: 'acl-closed', partitionIndexes: [0] }, { name: 'acl-read-only', partitionIndexes: [0] }], groups: [], requireStable: false });
    assert.equal((await connection.request(OFFSET_FETCH, 5, fetchOffsets('acl-closed-group'))).body.errorCode, KAFKA_ERRORS.GROUP_AUTHORIZATION_FAILED);
    const fetched = await connection.request(OFFSET_FETCH, 5, fetchOffsets('acl-group'));
    assert.deepEqual(
      fetched.body.topics.map((t) => [t.partitions[0]!.errorCode, t.partitions[0]!.committedOffset]),
      [
        [KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, -1],
        [0, 1],
      ],
    );
    const described = await connection.request(DESCRIBE_GROUPS, 2, { groups: ['acl-closed-group', 'acl-group'], includeAuthorizedOperations: false });
    assert.deepEqual(
      described.body.groups.map((g) => [g.groupId, g.errorCode]),
      [
        ['acl-closed-group', KAFKA_ERRORS.GROUP_AUTHORIZATION_FAILED],
        ['acl-group', 0],
      ],
    );
  });
});
