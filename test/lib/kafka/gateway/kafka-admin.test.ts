import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin as PlatformaticAdmin } from '@platformatic/kafka';
import { Kafka, logLevel, type ConfigResourceTypes } from 'kafkajs';
import { KAFKA_ERRORS } from '../../../../lib/kafka/error-codes';
import { CREATE_TOPICS, type CreatableTopic } from '../../../../lib/kafka/messages/create-topics';
import { DELETE_RECORDS } from '../../../../lib/kafka/messages/delete-records';
import { DELETE_TOPICS } from '../../../../lib/kafka/messages/delete-topics';
import { DESCRIBE_CONFIGS } from '../../../../lib/kafka/messages/describe-configs';
import { SASL_AUTHENTICATE } from '../../../../lib/kafka/messages/sasl-authenticate';
import { SASL_HANDSHAKE } from '../../../../lib/kafka/messages/sasl-handshake';
import { ZERO_UUID } from '../../../../lib/kafka/wire/uuid';
import { apiCaller } from '../../../support/api-caller';
import { RawKafkaConnection } from '../../../support/kafka-wire-client';
import { startTestPlatform, type TestPlatform } from '../../../support/local-platform';

// kafkajs's ConfigResourceTypes enum is not an ESM named export; its values are Kafka's ids.
const TOPIC = 2 as ConfigResourceTypes;
const BROKER = 4 as ConfigResourceTypes;
const ADMIN = { principal: 'admin', token: 't-admin' };
const BOB = { principal: 'bob', token: 't-bob' };

/**
 * CreateTopics, DeleteTopics and DescribeConfigs through kafkajs (non-flexible versions),
 * @platformatic/kafka (flexible: CreateTopics v7, DeleteTopics v6, DescribeConfigs v4)
 * and the gateway's own codec, on a platform with tokens and ACLs: `admin` may do
 * anything, `bob` may create and delete only `bob-` topics, as over HTTP.
 */
describe('Kafka gateway: admin APIs (CreateTopics, DeleteTopics, DescribeConfigs)', () => {
  let test: TestPlatform;
  let bootstrap: string;
  const api = apiCaller(() => test.url);
  const kafka = (who = ADMIN) => new Kafka({ clientId: 'sluice-admin-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'plain', username: who.principal, password: who.token } });
  const overHttp = async (topic: string) => api(ADMIN.token, { method: 'GET', path: `/v1/topics/${topic}` });
  /** A raw connection authenticated as `who`, for the codes no client library exposes. */
  const raw = async (who = ADMIN) => {
    const connection = await RawKafkaConnection.connect(test.platform.kafka!.port);
    await connection.request(SASL_HANDSHAKE, 1, { mechanism: 'PLAIN' });
    assert.equal((await connection.request(SASL_AUTHENTICATE, 2, { authBytes: Buffer.from(`\u0000${who.principal}\u0000${who.token}`) })).body.errorCode, 0);
    return connection;
  };
  const topic = (name: string, more: Partial<CreatableTopic> = {}): CreatableTopic => ({ name, numPartitions: 1, replicationFactor: -1, assignments: [], configs: [], ...more });

  before(async () => {
    process.env.SLUICE_AUTH_MODE = 'token';
    process.env.SLUICE_AUTH_TOKENS = [ADMIN, BOB].map((who) => `${who.principal}=${who.token}`).join(',');
    process.env.SLUICE_ADMIN_PRINCIPALS = ADMIN.principal;
    test = await startTestPlatform();
    bootstrap = test.platform.kafka!.bootstrapServer;
    for (const operation of ['CREATE', 'DELETE', 'DESCRIBE']) {
      const rule = await api(ADMIN.token, { method: 'POST', path: '/v1/acls', body: { principal: BOB.principal, resourceType: 'TOPIC', patternType: 'PREFIXED', resourceName: 'bob-', operation, permission: 'ALLOW' } });
      assert.equal(rule.status, 201, JSON.stringify(rule.body));
    }
  });
  after(async () => {
    await test?.stop();
    delete process.env.SLUICE_AUTH_MODE;
    delete process.env.SLUICE_AUTH_TOKENS;
    delete process.env.SLUICE_ADMIN_PRINCIPALS;
  });

  it('kafkajs creates topics with partitions and configs that HTTP then describes; a second create reports it exists', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      const created = await admin.createTopics({
        topics: [
          { topic: 'admin-orders', numPartitions: 4, replicationFactor: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }, { name: 'cleanup.policy', value: 'delete' }] },
          { topic: 'admin-default' },
        ],
      });
      assert.equal(created, true);
      const described = await overHttp('admin-orders');
      assert.equal(described.status, 200);
      assert.equal(described.body.partitions, 4);
      assert.deepEqual(described.body.config, { 'retention.ms': '3600000', 'cleanup.policy': 'delete' });
      assert.equal((await overHttp('admin-default')).body.partitions, 1);
      // kafkajs answers false for a topic that already exists.
      assert.equal(await admin.createTopics({ topics: [{ topic: 'admin-orders' }] }), false);
      const { topics } = await admin.fetchTopicMetadata({ topics: ['admin-orders'] });
      assert.equal(topics[0]!.partitions.length, 4);
    } finally {
      await admin.disconnect();
    }
  });

  it('kafkajs creates a compacted topic with the log-compaction configs, which HTTP then describes as given', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      const configEntries = [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'delete.retention.ms', value: '3600000' },
        { name: 'min.compaction.lag.ms', value: '1000' },
        { name: 'max.compaction.lag.ms', value: '86400000' },
        { name: 'min.cleanable.dirty.ratio', value: '0.1' },
      ];
      assert.equal(await admin.createTopics({ topics: [{ topic: 'admin-compacted', configEntries }] }), true);
      const described = await overHttp('admin-compacted');
      assert.equal(described.status, 200);
      assert.deepEqual(described.body.config, Object.fromEntries(configEntries.map((e) => [e.name, e.value])));
    } finally {
      await admin.disconnect();
    }
  });

  it('validateOnly checks everything and creates nothing', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      // kafkajs would wait for the (uncreated) topic's leaders: not with validateOnly.
      assert.equal(await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'admin-validate', numPartitions: 2 }] }), true);
      assert.equal((await overHttp('admin-validate')).status, 404);
      await assert.rejects(admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'admin-validate', configEntries: [{ name: 'segment.bytes', value: '1' }] }] }), (error: { errors?: { type: string }[] }) => {
        assert.deepEqual(error.errors?.map((e) => e.type), ['INVALID_CONFIG']);
        return true;
      });
    } finally {
      await admin.disconnect();
    }
  });

  it('answers each refusal with its Kafka code and message, per topic, creating none of them', async () => {
    const connection = await raw();
    try {
      const { body } = await connection.request(CREATE_TOPICS, 4, {
        timeoutMs: 1000,
        validateOnly: false,
        topics: [
          topic('admin-orders'),
          topic('bad name!'),
          topic('admin-zero', { numPartitions: 0 }),
          topic('admin-many', { numPartitions: 257 }),
          topic('admin-rf0', { replicationFactor: 0 }),
          topic('admin-unknown-config', { configs: [{ name: 'segment.bytes', value: '1' }] }),
          topic('admin-bad-retention', { configs: [{ name: 'retention.ms', value: 'soon' }] }),
          topic('admin-bad-policy', { configs: [{ name: 'cleanup.policy', value: 'compact,compact' }] }),
          topic('admin-assigned', { numPartitions: -1, assignments: [{ partitionIndex: 0, brokerIds: [0] }, { partitionIndex: 2, brokerIds: [0] }] }),
        ],
      });
      const codes = Object.fromEntries(body.topics.map((t) => [t.name, t.errorCode]));
      assert.deepEqual(codes, {
        'admin-orders': KAFKA_ERRORS.TOPIC_ALREADY_EXISTS,
        'bad name!': KAFKA_ERRORS.INVALID_TOPIC_EXCEPTION,
        'admin-zero': KAFKA_ERRORS.INVALID_PARTITIONS,
        'admin-many': KAFKA_ERRORS.INVALID_PARTITIONS,
        'admin-rf0': KAFKA_ERRORS.INVALID_REPLICATION_FACTOR,
        'admin-unknown-config': KAFKA_ERRORS.INVALID_CONFIG,
        'admin-bad-retention': KAFKA_ERRORS.INVALID_CONFIG,
        'admin-bad-policy': KAFKA_ERRORS.INVALID_CONFIG,
        'admin-assigned': KAFKA_ERRORS.INVALID_REPLICA_ASSIGNMENT,
      });
      assert.match(body.topics.find((t) => t.name === 'admin-unknown-config')!.errorMessage!, /'segment\.bytes' is not supported/);
      assert.match(body.topics.find((t) => t.name === 'admin-bad-retention')!.errorMessage!, /'retention\.ms'/);
      assert.match(body.topics.find((t) => t.name === 'admin-bad-policy')!.errorMessage!, /'cleanup\.policy' must be "delete", "compact"/);
      for (const name of Object.keys(codes).filter((n) => n !== 'admin-orders' && n !== 'bad name!')) assert.equal((await overHttp(name)).status, 404, name);
    } finally {
      connection.close();
    }
  });

  it('authorizes as the HTTP routes do: bob creates and deletes bob- topics only, and learns nothing of others', async () => {
    const connection = await raw(BOB);
    try {
      const created = await connection.request(CREATE_TOPICS, 3, { timeoutMs: 1000, validateOnly: false, topics: [topic('bob-mine'), topic('admin-not-bobs')] });
      assert.deepEqual(created.body.topics.map((t) => [t.name, t.errorCode]), [['bob-mine', 0], ['admin-not-bobs', KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED]]);
      assert.equal((await overHttp('admin-not-bobs')).status, 404);
      const overHttpAsBob = await api(BOB.token, { method: 'POST', path: '/v1/topics', body: { name: 'admin-not-bobs' } });
      assert.equal(overHttpAsBob.status, 403);
      const deleted = await connection.request(DELETE_TOPICS, 1, { timeoutMs: 1000, topics: [{ name: 'admin-orders', topicId: ZERO_UUID }, { name: 'bob-mine', topicId: ZERO_UUID }] });
      assert.deepEqual(deleted.body.responses.map((r) => [r.name, r.errorCode]), [['admin-orders', KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED], ['bob-mine', 0]]);
      assert.equal((await overHttp('admin-orders')).status, 200);
      const configs = await connection.request(DESCRIBE_CONFIGS, 2, { resources: [{ resourceType: 2, resourceName: 'admin-orders', configurationKeys: null }, { resourceType: 2, resourceName: 'admin-nowhere', configurationKeys: null }], includeSynonyms: false, includeDocumentation: false });
      // Denied whether it exists or not, as the HTTP API's 403.
      assert.deepEqual(configs.body.results.map((r) => [r.errorCode, r.configs.length]), [[KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, 0], [KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, 0]]);
    } finally {
      connection.close();
    }
  });

  it('kafkajs describes a topic\'s configs in Kafka names: its own values, the defaults (alterable) and the fixed ones (read-only)', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC, name: 'admin-orders' }] });
      assert.equal(resources[0]!.errorCode, 0);
      const entries = Object.fromEntries(resources[0]!.configEntries.map((e) => [e.configName, { value: e.configValue, isDefault: e.isDefault, readOnly: e.readOnly }]));
      assert.deepEqual(entries, {
        'compression.type': { value: 'uncompressed', isDefault: true, readOnly: false },
        'message.timestamp.type': { value: 'CreateTime', isDefault: true, readOnly: false },
        'retention.ms': { value: '3600000', isDefault: false, readOnly: false },
        'retention.bytes': { value: '-1', isDefault: true, readOnly: false },
        // Set explicitly at create, so the topic's own value.
        'cleanup.policy': { value: 'delete', isDefault: false, readOnly: false },
        'delete.retention.ms': { value: '86400000', isDefault: true, readOnly: false },
        'min.compaction.lag.ms': { value: '0', isDefault: true, readOnly: false },
        'max.compaction.lag.ms': { value: '9223372036854775807', isDefault: true, readOnly: false },
        'min.cleanable.dirty.ratio': { value: '0.5', isDefault: true, readOnly: false },
        'max.message.bytes': { value: '1048576', isDefault: true, readOnly: true },
      });
      const some = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC, name: 'admin-orders', configNames: ['retention.ms'] }] });
      assert.deepEqual(some.resources[0]!.configEntries.map((e) => e.configName), ['retention.ms']);
      // A broker answers an empty list.
      const broker = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: BROKER, name: '0' }] });
      assert.deepEqual(broker.resources[0]!.configEntries, []);
    } finally {
      await admin.disconnect();
    }
  });

  it('answers DescribeConfigs of an unknown topic UNKNOWN_TOPIC_OR_PARTITION, an impossible name INVALID_TOPIC_EXCEPTION, another resource type INVALID_REQUEST', async () => {
    const connection = await raw();
    try {
      const { body } = await connection.request(DESCRIBE_CONFIGS, 4, {
        resources: [
          { resourceType: 2, resourceName: 'admin-nowhere', configurationKeys: null },
          { resourceType: 2, resourceName: '..', configurationKeys: null },
          { resourceType: 8, resourceName: '0', configurationKeys: null },
        ],
        includeSynonyms: true,
        includeDocumentation: true,
      });
      assert.deepEqual(body.results.map((r) => r.errorCode), [KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION, KAFKA_ERRORS.INVALID_TOPIC_EXCEPTION, KAFKA_ERRORS.INVALID_REQUEST]);
    } finally {
      connection.close();
    }
  });

  it('@platformatic/kafka (flexible versions) creates, describes and deletes a topic', async () => {
    const admin = new PlatformaticAdmin({ clientId: 'sluice-platformatic-admin', bootstrapBrokers: [bootstrap], retries: 0, sasl: { mechanism: 'PLAIN', username: ADMIN.principal, password: ADMIN.token } });
    try {
      const [created] = await admin.createTopics({ topics: ['admin-flexible'], partitions: 2, replicas: 1, configs: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] });
      assert.equal(created!.name, 'admin-flexible');
      assert.equal(created!.partitions, 2);
      assert.equal(created!.replicas, 1);
      assert.equal(created!.id, (await overHttp('admin-flexible')).body.topicId.toLowerCase());
      assert.equal(created!.configuration['message.timestamp.type'], 'LogAppendTime');
      const [described] = await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: 'admin-flexible', configurationKeys: ['message.timestamp.type'] }], includeDocumentation: true });
      assert.deepEqual(described!.configs.map((c) => [c.name, c.value, c.configSource]), [['message.timestamp.type', 'LogAppendTime', 1]]);
      await admin.deleteTopics({ topics: ['admin-flexible'] });
      assert.equal((await overHttp('admin-flexible')).status, 404);
    } finally {
      await admin.close();
    }
  });

  it('kafkajs deletes topics; an unknown one is refused', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: ['admin-default'] });
      assert.equal((await overHttp('admin-default')).status, 404);
      await assert.rejects(admin.deleteTopics({ topics: ['admin-never-was'] }), /does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION/i);
    } finally {
      await admin.disconnect();
    }
  });

  it('DeleteTopics v6 by topic id: deletes a known id, UNKNOWN_TOPIC_ID for an unknown one', async () => {
    const connection = await raw();
    try {
      const made = await connection.request(CREATE_TOPICS, 7, { timeoutMs: 1000, validateOnly: false, topics: [topic('admin-by-id')] });
      const topicId = made.body.topics[0]!.topicId;
      assert.notEqual(topicId, ZERO_UUID);
      const { body } = await connection.request(DELETE_TOPICS, 6, { timeoutMs: 1000, topics: [{ name: null, topicId }, { name: null, topicId: '6f2c1e0a-3b4d-4e5f-8a9b-0c1d2e3f4a5b' }] });
      assert.deepEqual(body.responses.map((r) => [r.name, r.errorCode]), [['admin-by-id', 0], [null, KAFKA_ERRORS.UNKNOWN_TOPIC_ID]]);
      assert.equal((await overHttp('admin-by-id')).status, 404);
    } finally {
      connection.close();
    }
  });

  /** A topic of one partition with `count` records, made over HTTP. */
  const topicWithRecords = async (name: string, count: number) => {
    assert.equal((await api(ADMIN.token, { method: 'POST', path: '/v1/topics', body: { name, partitions: 1 } })).status, 201);
    const records = Array.from({ length: count }, (_, i) => ({ value: `r${i}`, partition: 0 }));
    assert.equal((await api(ADMIN.token, { method: 'POST', path: `/v1/topics/${name}/records`, body: { records } })).status, 200);
  };
  const offsetsOverHttp = async (name: string) => (await api(ADMIN.token, { method: 'GET', path: `/v1/topics/${name}/partitions/0/offsets` })).body as { logStartOffset: number; highWatermark: number };

  it('kafkajs deletes records below an offset (DeleteRecords): the log start moves, as the HTTP API shows', async () => {
    await topicWithRecords('admin-trimmed', 5);
    const admin = kafka().admin();
    await admin.connect();
    try {
      // kafkajs finds each partition's leader in metadata it already holds: asking the offsets loads it.
      assert.equal((await admin.fetchTopicOffsets('admin-trimmed'))[0]!.low, '0');
      await admin.deleteTopicRecords({ topic: 'admin-trimmed', partitions: [{ partition: 0, offset: '3' }] });
      assert.deepEqual(await offsetsOverHttp('admin-trimmed'), { topic: 'admin-trimmed', partition: 0, logStartOffset: 3, highWatermark: 5 });
      const [offsets] = await admin.fetchTopicOffsets('admin-trimmed');
      assert.deepEqual([offsets!.low, offsets!.high], ['3', '5']);
    } finally {
      await admin.disconnect();
    }
  });

  it('DeleteRecords answers each partition: -1 trims to the high watermark, past it OFFSET_OUT_OF_RANGE, an unknown partition UNKNOWN_TOPIC_OR_PARTITION, a topic without DELETE TOPIC_AUTHORIZATION_FAILED', async () => {
    await topicWithRecords('admin-records', 4);
    await topicWithRecords('bob-records', 2);
    const admin = await raw();
    const bob = await raw(BOB);
    try {
      const answer = await admin.request(DELETE_RECORDS, 2, { topics: [{ name: 'admin-records', partitions: [{ partitionIndex: 0, offset: 9n }, { partitionIndex: 1, offset: 0n }] }], timeoutMs: 1000 });
      assert.deepEqual(answer.body.topics[0]!.partitions, [
        { partitionIndex: 0, lowWatermark: -1n, errorCode: KAFKA_ERRORS.OFFSET_OUT_OF_RANGE },
        { partitionIndex: 1, lowWatermark: -1n, errorCode: KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION },
      ]);
      assert.equal((await offsetsOverHttp('admin-records')).logStartOffset, 0, 'nothing was trimmed');
      const denied = await bob.request(DELETE_RECORDS, 0, { topics: [{ name: 'admin-records', partitions: [{ partitionIndex: 0, offset: -1n }] }], timeoutMs: 1000 });
      assert.deepEqual(denied.body.topics[0]!.partitions, [{ partitionIndex: 0, lowWatermark: -1n, errorCode: KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED }]);
      assert.equal((await offsetsOverHttp('admin-records')).logStartOffset, 0, 'a refused trim changes nothing');
      const allowed = await bob.request(DELETE_RECORDS, 1, { topics: [{ name: 'bob-records', partitions: [{ partitionIndex: 0, offset: -1n }] }], timeoutMs: 1000 });
      assert.deepEqual(allowed.body.topics[0]!.partitions, [{ partitionIndex: 0, lowWatermark: 2n, errorCode: KAFKA_ERRORS.NONE }]);
    } finally {
      admin.close();
      bob.close();
    }
  });
});
