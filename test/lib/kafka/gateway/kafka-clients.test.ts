import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin as PlatformaticAdmin } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { KAFKA_ERRORS } from '../../../../lib/kafka/error-codes';
import { API_VERSIONS } from '../../../../lib/kafka/messages/api-versions';
import { METADATA } from '../../../../lib/kafka/messages/metadata';
import { ZERO_UUID } from '../../../../lib/kafka/wire/uuid';
import { RawKafkaConnection } from '../../../support/kafka-wire-client';
import { call, startTestPlatform, type TestPlatform } from '../../../support/local-platform';

/**
 * Clients nobody here wrote, against the local platform's gateway: kafkajs (non-flexible
 * versions: ApiVersions v2, Metadata v6), @platformatic/kafka (flexible versions:
 * ApiVersions v3+, Metadata v9+) and the gateway's own codec at Metadata v12 and v0.
 */
describe('Kafka gateway with Kafka clients, over the local platform', () => {
  let test: TestPlatform;
  let bootstrap: string;
  let topicId: string;

  before(async () => {
    test = await startTestPlatform();
    bootstrap = test.platform.kafka!.bootstrapServer;
    const created = await call(test.url, 'POST', '/v1/topics', { name: 'kafka-orders', partitions: 3 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    topicId = created.body.topicId;
    assert.equal((await call(test.url, 'POST', '/v1/topics', { name: 'kafka-audit', partitions: 1 })).status, 201);
  });
  after(async () => {
    await test?.stop();
  });

  const kafka = () => new Kafka({ clientId: 'sluice-kafkajs-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });

  it('lists the topics created over HTTP', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      assert.deepEqual(topics.filter((t) => t.startsWith('kafka-')).sort(), ['kafka-audit', 'kafka-orders']);
    } finally {
      await admin.disconnect();
    }
  });

  it('describes a topic: its partition count, node 0 leading and holding every partition', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: ['kafka-orders'] });
      assert.equal(topics.length, 1);
      assert.equal(topics[0]!.name, 'kafka-orders');
      const partitions = [...topics[0]!.partitions].sort((a, b) => a.partitionId - b.partitionId);
      assert.deepEqual(
        partitions.map((p) => ({ id: p.partitionId, error: p.partitionErrorCode, leader: p.leader, replicas: p.replicas, isr: p.isr })),
        [0, 1, 2].map((id) => ({ id, error: 0, leader: 0, replicas: [0], isr: [0] })),
      );
      const cluster = await admin.describeCluster();
      assert.deepEqual(cluster.brokers, [{ nodeId: 0, host: '127.0.0.1', port: test.platform.kafka!.port }]);
      assert.equal(cluster.controller, 0);
      assert.match(cluster.clusterId, /^[A-Za-z0-9_-]{22}$/);
    } finally {
      await admin.disconnect();
    }
  });

  it('answers an unknown topic UNKNOWN_TOPIC_OR_PARTITION and does not create it', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      await assert.rejects(admin.fetchTopicMetadata({ topics: ['kafka-missing'] }), (error: Error & { type?: string }) => error.type === 'UNKNOWN_TOPIC_OR_PARTITION');
    } finally {
      await admin.disconnect();
    }
    assert.equal((await call(test.url, 'GET', '/v1/topics/kafka-missing')).status, 404);
  });

  it('@platformatic/kafka (flexible versions) lists and describes the topics, with their ids', async () => {
    const admin = new PlatformaticAdmin({ clientId: 'sluice-platformatic-test', bootstrapBrokers: [bootstrap], retries: 0 });
    try {
      const topics = await admin.listTopics();
      assert.deepEqual(topics.filter((t) => t.startsWith('kafka-')).sort(), ['kafka-audit', 'kafka-orders']);
      const metadata = await admin.metadata({ topics: ['kafka-orders'] });
      assert.deepEqual([...metadata.brokers.entries()].map(([id, b]) => [id, b.host, b.port]), [[0, '127.0.0.1', test.platform.kafka!.port]]);
      assert.equal(metadata.controllerId, 0);
      const orders = metadata.topics.get('kafka-orders')!;
      assert.equal(orders.id, topicId.toLowerCase());
      assert.equal(orders.partitionsCount, 3);
      assert.deepEqual(orders.partitions.map((p) => [p.leader, p.replicas, p.isr]), [0, 1, 2].map(() => [0, [0], [0]]));
    } finally {
      await admin.close();
    }
  });

  it('answers Metadata at flexible v12 (topic ids) and classic v0, by name and by id', async () => {
    const connection = await RawKafkaConnection.connect(test.platform.kafka!.port);
    try {
      const versions = await connection.request(API_VERSIONS, 3, { clientSoftwareName: 'sluice-test', clientSoftwareVersion: '0' });
      assert.equal(versions.body.errorCode, 0);
      const base = { allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
      const byName = await connection.request(METADATA, 12, { ...base, topics: [{ topicId: ZERO_UUID, name: 'kafka-orders' }, { topicId: ZERO_UUID, name: 'kafka-missing' }, { topicId: ZERO_UUID, name: '../bad name' }] });
      assert.deepEqual(byName.body.brokers, [{ nodeId: 0, host: '127.0.0.1', port: test.platform.kafka!.port, rack: null }]);
      const [orders, missing, bad] = byName.body.topics;
      assert.equal(orders!.errorCode, 0);
      assert.equal(orders!.topicId, topicId.toLowerCase());
      assert.deepEqual(orders!.partitions.map((p) => [p.partitionIndex, p.leaderId, p.leaderEpoch]), [
        [0, 0, 0],
        [1, 0, 0],
        [2, 0, 0],
      ]);
      assert.equal(missing!.errorCode, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION);
      assert.equal(bad!.errorCode, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION);

      const byId = await connection.request(METADATA, 12, { ...base, topics: [{ topicId, name: null }, { topicId: '00000000-0000-4000-8000-000000000001', name: null }] });
      assert.equal(byId.body.topics[0]!.name, 'kafka-orders');
      assert.equal(byId.body.topics[1]!.errorCode, KAFKA_ERRORS.UNKNOWN_TOPIC_ID);

      const all = await connection.request(METADATA, 0, { ...base, topics: null });
      assert.deepEqual(all.body.topics.filter((t) => t.name!.startsWith('kafka-')).map((t) => [t.name, t.partitions.length]), [
        ['kafka-audit', 1],
        ['kafka-orders', 3],
      ]);
    } finally {
      connection.close();
    }
  });
});
