import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KafkaApi } from '../../../../lib/kafka/messages/api';
import { CREATE_TOPICS, type CreatableTopicResult, type CreateTopicsRequest, type CreateTopicsResponse } from '../../../../lib/kafka/messages/create-topics';
import { DELETE_RECORDS, type DeleteRecordsRequest, type DeleteRecordsResponse } from '../../../../lib/kafka/messages/delete-records';
import { DELETE_TOPICS, type DeleteTopicsRequest, type DeleteTopicsResponse } from '../../../../lib/kafka/messages/delete-topics';
import { DESCRIBE_CONFIGS, type DescribeConfigsRequest, type DescribeConfigsResponse, type DescribedConfig } from '../../../../lib/kafka/messages/describe-configs';
import { ALTER_CONFIGS, type AlterConfigsRequest, type AlterConfigsResponse } from '../../../../lib/kafka/messages/alter-configs';
import { CREATE_PARTITIONS, type CreatePartitionsRequest, type CreatePartitionsResponse } from '../../../../lib/kafka/messages/create-partitions';
import { INCREMENTAL_ALTER_CONFIGS, type IncrementalAlterConfigsRequest } from '../../../../lib/kafka/messages/incremental-alter-configs';
import { decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame } from '../../../../lib/kafka/messages/frames';
import { SASL_AUTHENTICATE } from '../../../../lib/kafka/messages/sasl-authenticate';
import { SASL_HANDSHAKE } from '../../../../lib/kafka/messages/sasl-handshake';
import { KafkaDecodeError } from '../../../../lib/kafka/wire/decode-error';
import { ZERO_UUID } from '../../../../lib/kafka/wire/uuid';

function versions(api: KafkaApi<unknown, unknown>): number[] {
  return Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => api.minVersion + i);
}

/** Encodes and decodes a request and a response at `version`, through whole frames (headers included). */
function roundTrip<Req, Res>(api: KafkaApi<Req, Res>, version: number, request: Req, response: Res): { request: unknown; response: Res } {
  const requestFrame = encodeRequestFrame(api, { apiVersion: version, correlationId: 9, clientId: 'c' }, request).subarray(4);
  const decoded = decodeRequestFrame(requestFrame);
  assert.equal(decoded.kind, 'request');
  const responseFrame = encodeResponseFrame(api, version, 9, response).subarray(4);
  const answer = decodeResponseFrame(api, version, responseFrame);
  assert.equal(answer.correlationId, 9);
  return { request: (decoded as { body: unknown }).body, response: answer.body };
}

/** Every cut of the request frame is refused with KafkaDecodeError (bad input never crashes). */
function refusesTruncations<Req>(api: KafkaApi<Req, unknown>, version: number, request: Req): void {
  const frame = encodeRequestFrame(api, { apiVersion: version, correlationId: 1, clientId: 'c' }, request).subarray(4);
  for (let cut = 0; cut < frame.length; cut++) {
    assert.throws(() => decodeRequestFrame(frame.subarray(0, cut)), (e: unknown) => e instanceof KafkaDecodeError, `${api.name} v${version} cut at ${cut}`);
  }
}

describe('SaslHandshake codec (v0-v1)', () => {
  it('round-trips the mechanism and the enabled list', () => {
    for (const v of versions(SASL_HANDSHAKE)) {
      const back = roundTrip(SASL_HANDSHAKE, v, { mechanism: 'PLAIN' }, { errorCode: 33, mechanisms: ['PLAIN'] });
      assert.deepEqual(back.request, { mechanism: 'PLAIN' });
      assert.deepEqual(back.response, { errorCode: 33, mechanisms: ['PLAIN'] });
      refusesTruncations(SASL_HANDSHAKE, v, { mechanism: 'PLAIN' });
    }
  });
});

describe('SaslAuthenticate codec (v0-v2, flexible from v2)', () => {
  it('round-trips the auth bytes, the error message and (v1+) the session lifetime', () => {
    const plain = Buffer.from('\u0000alice\u0000s3cret');
    for (const v of versions(SASL_AUTHENTICATE)) {
      const response = { errorCode: 58, errorMessage: 'Authentication failed', authBytes: Buffer.from('x'), sessionLifetimeMs: 3_600_000 };
      const back = roundTrip(SASL_AUTHENTICATE, v, { authBytes: plain }, response);
      assert.deepEqual(back.request, { authBytes: plain }, `request v${v}`);
      assert.deepEqual(back.response, { ...response, sessionLifetimeMs: v >= 1 ? 3_600_000 : 0 }, `response v${v}`);
      assert.deepEqual(roundTrip(SASL_AUTHENTICATE, v, { authBytes: Buffer.alloc(0) }, { ...response, errorMessage: null }).response.errorMessage, null);
      refusesTruncations(SASL_AUTHENTICATE, v, { authBytes: plain });
    }
  });
});

describe('CreateTopics codec (v0-v7, flexible from v5)', () => {
  const topicId = '6f2c1e0a-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
  const request: CreateTopicsRequest = {
    topics: [
      { name: 'orders', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '60000' }, { name: 'cleanup.policy', value: null }] },
      { name: 'manual', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [0] }, { partitionIndex: 1, brokerIds: [0, 1] }], configs: [] },
    ],
    timeoutMs: 30_000,
    validateOnly: true,
  };
  const result = {
    name: 'orders', topicId, errorCode: 0, errorMessage: 'fine', topicConfigErrorCode: 0, numPartitions: 3, replicationFactor: 1,
    configs: [{ name: 'retention.ms', value: '60000', readOnly: true, configSource: 1, isSensitive: false }],
  };
  const response: CreateTopicsResponse = { throttleTimeMs: 4, topics: [result, { ...result, name: 'other', errorCode: 40, configs: null, topicConfigErrorCode: 29 }] };

  it('round-trips requests (validateOnly from v1) and responses (throttle v2+, message v1+, counts and configs v5+, topic id v7+)', () => {
    for (const v of versions(CREATE_TOPICS)) {
      const back = roundTrip(CREATE_TOPICS, v, request, response);
      assert.deepEqual(back.request, { ...request, validateOnly: v >= 1 }, `request v${v}`);
      const at = (r: CreatableTopicResult): CreatableTopicResult => ({
        ...r,
        topicId: v >= 7 ? r.topicId : ZERO_UUID,
        errorMessage: v >= 1 ? r.errorMessage : null,
        topicConfigErrorCode: v >= 5 ? r.topicConfigErrorCode : 0,
        numPartitions: v >= 5 ? r.numPartitions : -1,
        replicationFactor: v >= 5 ? r.replicationFactor : -1,
        configs: v >= 5 ? r.configs : null,
      });
      assert.deepEqual(back.response, { throttleTimeMs: v >= 2 ? 4 : 0, topics: response.topics.map(at) }, `response v${v}`);
      refusesTruncations(CREATE_TOPICS, v, request);
    }
  });
});

describe('DeleteTopics codec (v0-v6, flexible from v4)', () => {
  const topicId = '6f2c1e0a-3b4d-4e5f-8a9b-0c1d2e3f4a5b';

  it('round-trips names (v0-v5) and names or ids (v6+), with the throttle time (v1+) and messages (v5+)', () => {
    for (const v of versions(DELETE_TOPICS)) {
      const request: DeleteTopicsRequest = { topics: v >= 6 ? [{ name: null, topicId }, { name: 'orders', topicId: ZERO_UUID }] : [{ name: 'orders', topicId: ZERO_UUID }], timeoutMs: 5_000 };
      const response: DeleteTopicsResponse = { throttleTimeMs: 2, responses: [{ name: 'orders', topicId, errorCode: 3, errorMessage: 'gone' }] };
      const back = roundTrip(DELETE_TOPICS, v, request, response);
      assert.deepEqual(back.request, request, `request v${v}`);
      assert.deepEqual(back.response, { throttleTimeMs: v >= 1 ? 2 : 0, responses: [{ name: 'orders', topicId: v >= 6 ? topicId : ZERO_UUID, errorCode: 3, errorMessage: v >= 5 ? 'gone' : null }] }, `response v${v}`);
      refusesTruncations(DELETE_TOPICS, v, request);
    }
  });
});

describe('DeleteRecords codec (v0-v2, flexible from v2)', () => {
  it('round-trips topics of partitions and offsets (-1: the high watermark), and low watermarks with error codes', () => {
    const request: DeleteRecordsRequest = { topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, offset: 42n }, { partitionIndex: 3, offset: -1n }] }, { name: 'audit', partitions: [] }], timeoutMs: 30_000 };
    const response: DeleteRecordsResponse = { throttleTimeMs: 4, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, lowWatermark: 42n, errorCode: 0 }, { partitionIndex: 3, lowWatermark: -1n, errorCode: 1 }] }] };
    for (const v of versions(DELETE_RECORDS)) {
      const back = roundTrip(DELETE_RECORDS, v, request, response);
      assert.deepEqual(back.request, request, `request v${v}`);
      assert.deepEqual(back.response, response, `response v${v}`);
      refusesTruncations(DELETE_RECORDS, v, request);
    }
  });
});

describe('DescribeConfigs codec (v0-v4, flexible from v4)', () => {
  const request: DescribeConfigsRequest = { resources: [{ resourceType: 2, resourceName: 'orders', configurationKeys: null }, { resourceType: 4, resourceName: '0', configurationKeys: ['a'] }], includeSynonyms: true, includeDocumentation: true };
  const entry: DescribedConfig = { name: 'retention.ms', value: '1000', readOnly: true, isDefault: true, configSource: 5, isSensitive: false, synonyms: [{ name: 'retention.ms', value: '1000', source: 5 }], configType: 5, documentation: 'how long' };
  const response: DescribeConfigsResponse = { throttleTimeMs: 1, results: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders', configs: [entry, { ...entry, value: null, documentation: null }] }] };

  it('round-trips requests (synonyms v1+, documentation v3+) and responses (IsDefault v0, ConfigSource and synonyms v1+, type and documentation v3+)', () => {
    for (const v of versions(DESCRIBE_CONFIGS)) {
      const back = roundTrip(DESCRIBE_CONFIGS, v, request, response);
      assert.deepEqual(back.request, { ...request, includeSynonyms: v >= 1, includeDocumentation: v >= 3 }, `request v${v}`);
      const at = (c: DescribedConfig): DescribedConfig => ({
        ...c,
        isDefault: v === 0 ? c.isDefault : false,
        configSource: v >= 1 ? c.configSource : -1,
        synonyms: v >= 1 ? c.synonyms : [],
        configType: v >= 3 ? c.configType : 0,
        documentation: v >= 3 ? c.documentation : null,
      });
      assert.deepEqual(back.response, { ...response, results: [{ ...response.results[0]!, configs: response.results[0]!.configs.map(at) }] }, `response v${v}`);
      refusesTruncations(DESCRIBE_CONFIGS, v, request);
    }
  });
});

describe('CreatePartitions codec (v0-v3, flexible from v2)', () => {
  const request: CreatePartitionsRequest = {
    topics: [
      { name: 'orders', count: 6, assignments: null },
      { name: 'manual', count: 3, assignments: [{ brokerIds: [0, 1] }, { brokerIds: [] }] },
      { name: 'empty', count: 2, assignments: [] },
    ],
    timeoutMs: 30_000,
    validateOnly: true,
  };
  const response: CreatePartitionsResponse = {
    throttleTimeMs: 3,
    results: [
      { name: 'orders', errorCode: 0, errorMessage: null },
      { name: 'manual', errorCode: 39, errorMessage: 'no brokers to assign' },
    ],
  };

  it('round-trips requests (null, empty and given assignments) and responses at every version', () => {
    for (const v of versions(CREATE_PARTITIONS)) {
      const back = roundTrip(CREATE_PARTITIONS, v, request, response);
      assert.deepEqual(back.request, request, `request v${v}`);
      assert.deepEqual(back.response, response, `response v${v}`);
      refusesTruncations(CREATE_PARTITIONS, v, request);
    }
  });

  it('writes v0 classic and v2 compact (a null assignment list is length -1, then 0)', () => {
    const one: CreatePartitionsRequest = { topics: [{ name: 'a', count: 2, assignments: null }], timeoutMs: 1, validateOnly: false };
    const bytes = (v: number) => encodeRequestFrame(CREATE_PARTITIONS, { apiVersion: v, correlationId: 1, clientId: null }, one).subarray(4);
    // Header v1 (api key, version, correlation id, null client id: 10 bytes), then the body.
    assert.deepEqual([...bytes(0).subarray(10)], [0, 0, 0, 1, 0, 1, 0x61, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0]);
    // Header v2 adds an empty tagged-field section (11 bytes).
    assert.deepEqual([...bytes(2).subarray(11)], [2, 2, 0x61, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0, 0]);
  });
});

describe('AlterConfigs codec (v0-v2, flexible from v2)', () => {
  const request: AlterConfigsRequest = {
    resources: [
      { resourceType: 2, resourceName: 'orders', configs: [{ name: 'retention.ms', value: '60000' }, { name: 'compression.type', value: null }] },
      { resourceType: 4, resourceName: '0', configs: [] },
    ],
    validateOnly: true,
  };
  const response: AlterConfigsResponse = {
    throttleTimeMs: 7,
    responses: [
      { errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders' },
      { errorCode: 42, errorMessage: 'broker configs cannot be changed', resourceType: 4, resourceName: '0' },
    ],
  };

  it('round-trips requests (null values too) and responses at every version', () => {
    for (const v of versions(ALTER_CONFIGS)) {
      const back = roundTrip(ALTER_CONFIGS, v, request, response);
      assert.deepEqual(back.request, request, `request v${v}`);
      assert.deepEqual(back.response, response, `response v${v}`);
      refusesTruncations(ALTER_CONFIGS, v, request);
    }
  });
});

describe('IncrementalAlterConfigs codec (v0-v1, flexible from v1)', () => {
  const request: IncrementalAlterConfigsRequest = {
    resources: [
      {
        resourceType: 2,
        resourceName: 'orders',
        configs: [
          { name: 'retention.ms', configOperation: 0, value: '60000' },
          { name: 'compression.type', configOperation: 1, value: null },
          { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
        ],
      },
    ],
    validateOnly: false,
  };
  const response: AlterConfigsResponse = { throttleTimeMs: 0, responses: [{ errorCode: 40, errorMessage: "config 'cleanup.policy'", resourceType: 2, resourceName: 'orders' }] };

  it('round-trips requests (each operation) and responses at every version', () => {
    for (const v of versions(INCREMENTAL_ALTER_CONFIGS)) {
      const back = roundTrip(INCREMENTAL_ALTER_CONFIGS, v, request, response);
      assert.deepEqual(back.request, request, `request v${v}`);
      assert.deepEqual(back.response, response, `response v${v}`);
      refusesTruncations(INCREMENTAL_ALTER_CONFIGS, v, request);
    }
  });

  it('writes the operation as an int8 between the name and the value (v0)', () => {
    const one: IncrementalAlterConfigsRequest = { resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'k', configOperation: 1, value: null }] }], validateOnly: true };
    const body = encodeRequestFrame(INCREMENTAL_ALTER_CONFIGS, { apiVersion: 0, correlationId: 1, clientId: null }, one).subarray(4 + 10);
    assert.deepEqual([...body], [0, 0, 0, 1, 2, 0, 1, 0x74, 0, 0, 0, 1, 0, 1, 0x6b, 1, 0xff, 0xff, 1]);
  });
});
