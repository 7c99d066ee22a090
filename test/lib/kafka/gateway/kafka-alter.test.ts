import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin as PlatformaticAdmin } from '@platformatic/kafka';
import { Kafka, logLevel, type ConfigResourceTypes } from 'kafkajs';
import { KAFKA_ERRORS } from '../../../../lib/kafka/error-codes';
import { ALTER_CONFIGS } from '../../../../lib/kafka/messages/alter-configs';
import { CREATE_PARTITIONS } from '../../../../lib/kafka/messages/create-partitions';
import { DESCRIBE_CONFIGS } from '../../../../lib/kafka/messages/describe-configs';
import { INCREMENTAL_ALTER_CONFIGS } from '../../../../lib/kafka/messages/incremental-alter-configs';
import { SASL_AUTHENTICATE } from '../../../../lib/kafka/messages/sasl-authenticate';
import { SASL_HANDSHAKE } from '../../../../lib/kafka/messages/sasl-handshake';
import { apiCaller } from '../../../support/api-caller';
import { RawKafkaConnection } from '../../../support/kafka-wire-client';
import { startTestPlatform, type TestPlatform } from '../../../support/local-platform';

// kafkajs's ConfigResourceTypes enum is not an ESM named export; its values are Kafka's ids.
const TOPIC = 2 as ConfigResourceTypes;
const ADMIN = { principal: 'admin', token: 't-admin' };
const BOB = { principal: 'bob', token: 't-bob' };

/**
 * CreatePartitions, AlterConfigs and IncrementalAlterConfigs through kafkajs (non-flexible
 * versions), @platformatic/kafka (flexible) and the gateway's own codec, checked against
 * the HTTP describe. `bob` may create, describe, read and write `bob-` topics but neither
 * ALTER nor ALTER_CONFIGS them.
 */
describe('Kafka gateway: CreatePartitions, AlterConfigs, IncrementalAlterConfigs', () => {
  let test: TestPlatform;
  let bootstrap: string;
  const api = apiCaller(() => test.url);
  const kafka = (who = ADMIN) => new Kafka({ clientId: 'sluice-alter-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'plain', username: who.principal, password: who.token } });
  const described = async (topic: string) => {
    const answer = await api(ADMIN.token, { method: 'GET', path: `/v1/topics/${topic}` });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body as { partitions: number; config: Record<string, string> };
  };
  const create = async (name: string, partitions: number, config: Record<string, string> = {}) => {
    const made = await api(ADMIN.token, { method: 'POST', path: '/v1/topics', body: { name, partitions, config } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
  };
  const raw = async (who = ADMIN) => {
    const connection = await RawKafkaConnection.connect(test.platform.kafka!.port);
    await connection.request(SASL_HANDSHAKE, 1, { mechanism: 'PLAIN' });
    assert.equal((await connection.request(SASL_AUTHENTICATE, 2, { authBytes: Buffer.from(`\u0000${who.principal}\u0000${who.token}`) })).body.errorCode, 0);
    return connection;
  };

  before(async () => {
    process.env.SLUICE_AUTH_MODE = 'token';
    process.env.SLUICE_AUTH_TOKENS = [ADMIN, BOB].map((who) => `${who.principal}=${who.token}`).join(',');
    process.env.SLUICE_ADMIN_PRINCIPALS = ADMIN.principal;
    test = await startTestPlatform();
    bootstrap = test.platform.kafka!.bootstrapServer;
    for (const operation of ['CREATE', 'DESCRIBE', 'READ', 'WRITE']) {
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

  it('kafkajs createPartitions raises the count: HTTP and Metadata show it, and a record lands on a new partition', async () => {
    await create('alter-grow', 1);
    const admin = kafka().admin();
    const producer = kafka().producer();
    await admin.connect();
    try {
      await admin.createPartitions({ topicPartitions: [{ topic: 'alter-grow', count: 3 }] });
      assert.equal((await described('alter-grow')).partitions, 3);
      const { topics } = await admin.fetchTopicMetadata({ topics: ['alter-grow'] });
      assert.deepEqual(topics[0]!.partitions.map((p) => p.partitionId).sort(), [0, 1, 2]);
      await producer.connect();
      const [sent] = await producer.send({ topic: 'alter-grow', messages: [{ partition: 2, value: 'on a new partition' }] });
      assert.deepEqual([sent!.partition, sent!.errorCode, sent!.baseOffset], [2, 0, '0']);
      const offsets = await admin.fetchTopicOffsets('alter-grow');
      assert.equal(offsets.find((o) => o.partition === 2)!.high, '1');
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  it('@platformatic/kafka createPartitions (v3, flexible) raises the count', async () => {
    await create('alter-grow-flexible', 2);
    const admin = new PlatformaticAdmin({ clientId: 'sluice-platformatic-alter', bootstrapBrokers: [bootstrap], retries: 0, sasl: { mechanism: 'PLAIN', username: ADMIN.principal, password: ADMIN.token } });
    try {
      await admin.createPartitions({ topics: [{ name: 'alter-grow-flexible', count: 5 }] });
      assert.equal((await described('alter-grow-flexible')).partitions, 5);
    } finally {
      await admin.close();
    }
  });

  it('CreatePartitions refusals (not above the current count, too many, unknown, assignments, no ALTER) and validateOnly change nothing', async () => {
    await create('alter-fixed', 2);
    await create('bob-grow', 1);
    const admin = kafka().admin();
    await admin.connect();
    try {
      await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'alter-fixed', count: 2 }] }), (error: Error) => /INVALID_PARTITIONS|partitions/i.test(`${error.name} ${error.message}`) || assert.fail(String(error)));
      // kafkajs: validateOnly checks and adds nothing.
      await admin.createPartitions({ validateOnly: true, topicPartitions: [{ topic: 'alter-fixed', count: 4 }] });
      assert.equal((await described('alter-fixed')).partitions, 2);
    } finally {
      await admin.disconnect();
    }
    for (const version of [0, 3]) {
      const connection = await raw();
      try {
        const { body } = await connection.request(CREATE_PARTITIONS, version, {
          timeoutMs: 1000,
          validateOnly: false,
          topics: [
            { name: 'alter-fixed', count: 1, assignments: null },
            { name: 'alter-fixed', count: 3, assignments: null },
            { name: 'alter-nowhere', count: 3, assignments: null },
            { name: 'alter-grow', count: 257, assignments: null },
            { name: 'bob-grow', count: 4, assignments: [{ brokerIds: [0] }, { brokerIds: [0] }, { brokerIds: [0] }] },
          ],
        });
        assert.deepEqual(
          body.results.map((r) => [r.name, r.errorCode]),
          [
            ['alter-fixed', KAFKA_ERRORS.INVALID_REQUEST],
            ['alter-fixed', KAFKA_ERRORS.INVALID_REQUEST],
            ['alter-nowhere', KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION],
            ['alter-grow', KAFKA_ERRORS.INVALID_PARTITIONS],
            ['bob-grow', KAFKA_ERRORS.INVALID_REPLICA_ASSIGNMENT],
          ],
          `v${version}`,
        );
        const equal = await connection.request(CREATE_PARTITIONS, version, { timeoutMs: 1000, validateOnly: false, topics: [{ name: 'alter-fixed', count: 2, assignments: [] }] });
        assert.equal(equal.body.results[0]!.errorCode, KAFKA_ERRORS.INVALID_PARTITIONS);
        assert.match(equal.body.results[0]!.errorMessage!, /more than 2/);
        const validate = await connection.request(CREATE_PARTITIONS, version, { timeoutMs: 1000, validateOnly: true, topics: [{ name: 'alter-fixed', count: 3, assignments: null }, { name: 'alter-fixed-too', count: 3, assignments: null }] });
        assert.deepEqual(validate.body.results.map((r) => r.errorCode), [KAFKA_ERRORS.NONE, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION]);
      } finally {
        connection.close();
      }
    }
    const asBob = await raw(BOB);
    try {
      const { body } = await asBob.request(CREATE_PARTITIONS, 1, { timeoutMs: 1000, validateOnly: false, topics: [{ name: 'bob-grow', count: 2, assignments: null }] });
      assert.equal(body.results[0]!.errorCode, KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED);
    } finally {
      asBob.close();
    }
    assert.equal((await described('alter-fixed')).partitions, 2);
    assert.equal((await described('bob-grow')).partitions, 1);
    assert.equal((await described('alter-grow')).partitions, 3);
  });

  it('kafkajs alterConfigs replaces the config: retention.ms set, every key not named back to its default', async () => {
    await create('alter-config', 1, { 'retention.ms': '3600000', 'compression.type': 'gzip' });
    const admin = kafka().admin();
    await admin.connect();
    try {
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: 'alter-config', configEntries: [{ name: 'retention.ms', value: '7200000' }, { name: 'cleanup.policy', value: 'delete' }] }] });
      // cleanup.policy is one of Sluice's own keys: set, as a broker stores it.
      assert.deepEqual((await described('alter-config')).config, { 'retention.ms': '7200000', 'cleanup.policy': 'delete' });
      // DescribeConfigs answers the change, and Sluice's keys as alterable.
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC, name: 'alter-config', configNames: ['retention.ms', 'compression.type'] }] });
      assert.deepEqual(
        resources[0]!.configEntries.map((e) => [e.configName, e.configValue, e.isDefault, e.readOnly]),
        [
          ['compression.type', 'uncompressed', true, false],
          ['retention.ms', '7200000', false, false],
        ],
      );
      await admin.alterConfigs({ validateOnly: true, resources: [{ type: TOPIC, name: 'alter-config', configEntries: [{ name: 'retention.ms', value: '60000' }] }] });
      assert.deepEqual((await described('alter-config')).config, { 'retention.ms': '7200000', 'cleanup.policy': 'delete' });
    } finally {
      await admin.disconnect();
    }
  });

  it('@platformatic/kafka incrementalAlterConfigs (v1, flexible) sets and deletes keys, leaving the others', async () => {
    await create('alter-incremental', 1, { 'retention.ms': '3600000', 'compression.type': 'gzip' });
    const admin = new PlatformaticAdmin({ clientId: 'sluice-platformatic-alter', bootstrapBrokers: [bootstrap], retries: 0, sasl: { mechanism: 'PLAIN', username: ADMIN.principal, password: ADMIN.token } });
    try {
      await admin.incrementalAlterConfigs({
        resources: [
          {
            resourceType: 2,
            resourceName: 'alter-incremental',
            configs: [
              { name: 'message.timestamp.type', configOperation: 0, value: 'LogAppendTime' },
              { name: 'compression.type', configOperation: 1 },
            ],
          },
        ],
      });
      assert.deepEqual((await described('alter-incremental')).config, { 'retention.ms': '3600000', 'message.timestamp.type': 'LogAppendTime' });
    } finally {
      await admin.close();
    }
  });

  it('IncrementalAlterConfigs SETs the log-compaction configs, as the HTTP API then describes them', async () => {
    await create('alter-compaction', 1);
    const configs = [
      { name: 'cleanup.policy', value: 'compact,delete' },
      { name: 'delete.retention.ms', value: '60000' },
      { name: 'min.compaction.lag.ms', value: '1000' },
      { name: 'max.compaction.lag.ms', value: '3600000' },
      { name: 'min.cleanable.dirty.ratio', value: '0.25' },
    ];
    const connection = await raw();
    try {
      const { body } = await connection.request(INCREMENTAL_ALTER_CONFIGS, 1, {
        validateOnly: false,
        resources: [{ resourceType: 2, resourceName: 'alter-compaction', configs: configs.map((c) => ({ ...c, configOperation: 0 })) }],
      });
      assert.equal(body.responses[0]!.errorCode, KAFKA_ERRORS.NONE, body.responses[0]!.errorMessage ?? '');
    } finally {
      connection.close();
    }
    assert.deepEqual((await described('alter-compaction')).config, Object.fromEntries(configs.map((c) => [c.name, c.value])));
  });

  /** One IncrementalAlterConfigs of cleanup.policy on `topic`: its error code and message. */
  const alterPolicy = async (topic: string, configOperation: number, value: string) => {
    const connection = await raw();
    try {
      const { body } = await connection.request(INCREMENTAL_ALTER_CONFIGS, 1, { validateOnly: false, resources: [{ resourceType: 2, resourceName: topic, configs: [{ name: 'cleanup.policy', configOperation, value }] }] });
      return [body.responses[0]!.errorCode, body.responses[0]!.errorMessage];
    } finally {
      connection.close();
    }
  };

  it('IncrementalAlterConfigs APPENDs to cleanup.policy as Kafka does: to the default delete when the topic has none', async () => {
    await create('alter-append', 1);
    assert.deepEqual(await alterPolicy('alter-append', 2, 'compact'), [KAFKA_ERRORS.NONE, null]);
    assert.deepEqual((await described('alter-append')).config, { 'cleanup.policy': 'delete,compact' });
  });

  it('IncrementalAlterConfigs SUBTRACTs from cleanup.policy, leaving the rest of the list', async () => {
    await create('alter-subtract', 1, { 'cleanup.policy': 'compact,delete' });
    assert.deepEqual(await alterPolicy('alter-subtract', 3, 'delete'), [KAFKA_ERRORS.NONE, null]);
    assert.deepEqual((await described('alter-subtract')).config, { 'cleanup.policy': 'compact' });
  });

  it('IncrementalAlterConfigs refuses to SUBTRACT cleanup.policy down to nothing, INVALID_CONFIG naming it, and changes nothing', async () => {
    await create('alter-subtract-all', 1, { 'cleanup.policy': 'compact' });
    const [code, message] = await alterPolicy('alter-subtract-all', 3, 'compact');
    assert.equal(code, KAFKA_ERRORS.INVALID_CONFIG);
    assert.match(String(message), /'cleanup\.policy' must be/);
    assert.deepEqual((await described('alter-subtract-all')).config, { 'cleanup.policy': 'compact' });
  });

  it('AlterConfigs and IncrementalAlterConfigs refusals (unknown key, bad value, APPEND, broker, unknown topic, no ALTER_CONFIGS) each change nothing', async () => {
    await create('alter-refused', 1, { 'retention.ms': '3600000' });
    await create('bob-config', 1, { 'retention.ms': '3600000' });
    const resource = (name: string, configs: { name: string; configOperation: number; value: string | null }[], resourceType = 2) => ({ resourceType, resourceName: name, configs });
    for (const version of [0, 1]) {
      const connection = await raw();
      try {
        const { body } = await connection.request(INCREMENTAL_ALTER_CONFIGS, version, {
          validateOnly: false,
          resources: [
            resource('alter-refused', [{ name: 'segment.bytes', configOperation: 0, value: '1' }]),
            resource('alter-grow', [{ name: 'retention.ms', configOperation: 0, value: 'soon' }]),
            resource('alter-config', [{ name: 'retention.ms', configOperation: 2, value: '1000' }]),
            resource('alter-incremental', [{ name: 'retention.ms', configOperation: 0, value: null }]),
            resource('0', [{ name: 'log.retention.ms', configOperation: 0, value: '1' }], 4),
            resource('alter-nowhere', [{ name: 'retention.ms', configOperation: 0, value: '1000' }]),
          ],
        });
        assert.deepEqual(
          body.responses.map((r) => [r.resourceName, r.errorCode]),
          [
            ['alter-refused', KAFKA_ERRORS.INVALID_CONFIG],
            ['alter-grow', KAFKA_ERRORS.INVALID_CONFIG],
            ['alter-config', KAFKA_ERRORS.INVALID_CONFIG],
            ['alter-incremental', KAFKA_ERRORS.INVALID_CONFIG],
            ['0', KAFKA_ERRORS.INVALID_REQUEST],
            ['alter-nowhere', KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION],
          ],
          `v${version}`,
        );
        assert.match(body.responses[0]!.errorMessage!, /'segment\.bytes' is not supported/);
        assert.match(body.responses[1]!.errorMessage!, /'retention\.ms'/);
        assert.match(body.responses[2]!.errorMessage!, /APPEND and SUBTRACT/);
        const validate = await connection.request(INCREMENTAL_ALTER_CONFIGS, version, { validateOnly: true, resources: [resource('alter-refused', [{ name: 'retention.ms', configOperation: 1, value: null }])] });
        assert.equal(validate.body.responses[0]!.errorCode, KAFKA_ERRORS.NONE);
      } finally {
        connection.close();
      }
    }
    for (const version of [0, 2]) {
      const connection = await raw();
      try {
        const { body } = await connection.request(ALTER_CONFIGS, version, {
          validateOnly: false,
          resources: [
            { resourceType: 2, resourceName: 'alter-refused', configs: [{ name: 'retention.ms', value: '1000' }, { name: 'segment.bytes', value: '1' }] },
            { resourceType: 2, resourceName: 'alter-grow', configs: [{ name: 'compression.type', value: 'lz4' }] },
            { resourceType: 4, resourceName: '0', configs: [] },
          ],
        });
        assert.deepEqual(body.responses.map((r) => r.errorCode), [KAFKA_ERRORS.INVALID_CONFIG, KAFKA_ERRORS.INVALID_CONFIG, KAFKA_ERRORS.INVALID_REQUEST], `v${version}`);
        assert.match(body.responses[1]!.errorMessage!, /'compression\.type'/);
      } finally {
        connection.close();
      }
    }
    const asBob = await raw(BOB);
    try {
      const incremental = await asBob.request(INCREMENTAL_ALTER_CONFIGS, 1, { validateOnly: false, resources: [resource('bob-config', [{ name: 'retention.ms', configOperation: 0, value: '1000' }])] });
      const legacy = await asBob.request(ALTER_CONFIGS, 1, { validateOnly: false, resources: [{ resourceType: 2, resourceName: 'bob-config', configs: [] }] });
      assert.deepEqual([incremental.body.responses[0]!.errorCode, legacy.body.responses[0]!.errorCode], [KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED]);
      // bob may still describe the topic's configs (DESCRIBE): nothing changed.
      const configs = await asBob.request(DESCRIBE_CONFIGS, 4, { resources: [{ resourceType: 2, resourceName: 'bob-config', configurationKeys: ['retention.ms'] }], includeSynonyms: false, includeDocumentation: false });
      assert.deepEqual(configs.body.results[0]!.configs.map((c) => [c.name, c.value]), [['retention.ms', '3600000']]);
    } finally {
      asBob.close();
    }
    assert.deepEqual((await described('alter-refused')).config, { 'retention.ms': '3600000' });
    assert.deepEqual((await described('bob-config')).config, { 'retention.ms': '3600000' });
    assert.deepEqual((await described('alter-grow')).config, {});
    assert.deepEqual((await described('alter-config')).config, { 'retention.ms': '7200000', 'cleanup.policy': 'delete' });
    assert.deepEqual((await described('alter-incremental')).config, { 'retention.ms': '3600000', 'message.timestamp.type': 'LogAppendTime' });
  });
});
