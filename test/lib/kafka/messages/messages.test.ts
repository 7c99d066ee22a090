import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { KafkaApi } from '../../../../lib/kafka/messages/api';
import { API_VERSIONS, type ApiVersionsResponse } from '../../../../lib/kafka/messages/api-versions';
import { decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame } from '../../../../lib/kafka/messages/frames';
import { AUTHORIZED_OPERATIONS_OMITTED, METADATA, type MetadataRequest, type MetadataResponse } from '../../../../lib/kafka/messages/metadata';
import { SUPPORTED_APIS, supportedVersionRanges } from '../../../../lib/kafka/messages/supported-apis';
import { KafkaReader } from '../../../../lib/kafka/wire/reader';
import { ZERO_UUID } from '../../../../lib/kafka/wire/uuid';
import { KafkaWriter } from '../../../../lib/kafka/wire/writer';

function versions(api: { minVersion: number; maxVersion: number }): number[] {
  return Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => api.minVersion + i);
}

function body<Req, Res>(api: KafkaApi<Req, Res>, side: 'request', version: number, value: Req): Buffer;
function body<Req, Res>(api: KafkaApi<Req, Res>, side: 'response', version: number, value: Res): Buffer;
function body<Req, Res>(api: KafkaApi<Req, Res>, side: 'request' | 'response', version: number, value: Req | Res): Buffer {
  const w = new KafkaWriter();
  if (side === 'request') api.encodeRequest(w, version, value as Req);
  else api.encodeResponse(w, version, value as Res);
  return w.toBuffer();
}

const id = '6f2c1e0a-3b4d-4e5f-8a9b-0c1d2e3f4a5b';

/** A response with every field set to a non-default value. */
const fullMetadata: MetadataResponse = {
  throttleTimeMs: 7,
  brokers: [{ nodeId: 0, host: 'gw.example', port: 9092, rack: 'az-1' }],
  clusterId: 'c1uster1dc1uster1dc1ab',
  controllerId: 0,
  topics: [
    {
      errorCode: 0,
      name: 'orders',
      topicId: id,
      isInternal: true,
      partitions: [{ errorCode: 0, partitionIndex: 1, leaderId: 0, leaderEpoch: 3, replicaNodes: [0], isrNodes: [0], offlineReplicas: [2] }],
      topicAuthorizedOperations: 248,
    },
  ],
  clusterAuthorizedOperations: 16,
};

/** What `full` reads as at `version`: the fields the version lacks take their defaults. */
function metadataAt(version: number): MetadataResponse {
  const t = fullMetadata.topics[0]!;
  const p = t.partitions[0]!;
  return {
    throttleTimeMs: version >= 3 ? 7 : 0,
    brokers: [{ ...fullMetadata.brokers[0]!, rack: version >= 1 ? 'az-1' : null }],
    clusterId: version >= 2 ? fullMetadata.clusterId : null,
    controllerId: version >= 1 ? 0 : -1,
    topics: [
      {
        ...t,
        topicId: version >= 10 ? id : ZERO_UUID,
        isInternal: version >= 1,
        partitions: [{ ...p, leaderEpoch: version >= 7 ? 3 : -1, offlineReplicas: version >= 5 ? [2] : [] }],
        topicAuthorizedOperations: version >= 8 ? 248 : AUTHORIZED_OPERATIONS_OMITTED,
      },
    ],
    clusterAuthorizedOperations: version >= 8 && version <= 10 ? 16 : AUTHORIZED_OPERATIONS_OMITTED,
  };
}

/** A request of each API added after Metadata and ApiVersions, for the fuzz test's valid frames. */
const SAMPLE_REQUESTS = new Map<number, unknown>([
  [0, { transactionalId: null, acks: -1, timeoutMs: 1000, topics: [{ name: 'orders', partitions: [{ index: 0, records: Buffer.from('batch') }] }] }],
  [
    1,
    {
      replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, rackId: 'r',
      topics: [{ topic: 'orders', topicId: '0b6a1f7e-3c2d-4e5f-8a9b-1c2d3e4f5a6b', partitions: [{ partition: 0, currentLeaderEpoch: 0, fetchOffset: 5, lastFetchedEpoch: 0, logStartOffset: 0, partitionMaxBytes: 512 }] }],
      forgottenTopics: [{ topic: 'gone', topicId: '0b6a1f7e-3c2d-4e5f-8a9b-1c2d3e4f5a6c', partitions: [1] }],
    },
  ],
  [22, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: 7, producerEpoch: 1 }],
  [2, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, currentLeaderEpoch: 0, timestamp: -1 }] }] }],
  [17, { mechanism: 'PLAIN' }],
  [36, { authBytes: Buffer.from('\u0000alice\u0000token') }],
  [19, { topics: [{ name: 'orders', numPartitions: 3, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [0] }], configs: [{ name: 'retention.ms', value: '1000' }] }], timeoutMs: 1000, validateOnly: true }],
  [20, { topics: [{ name: 'orders', topicId: ZERO_UUID }], timeoutMs: 1000 }],
  [21, { topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, offset: -1n }] }], timeoutMs: 1000 }],
  [32, { resources: [{ resourceType: 2, resourceName: 'orders', configurationKeys: ['retention.ms'] }], includeSynonyms: true, includeDocumentation: true }],
  [33, { resources: [{ resourceType: 2, resourceName: 'orders', configs: [{ name: 'retention.ms', value: '1000' }, { name: 'compression.type', value: null }] }], validateOnly: false }],
  [37, { topics: [{ name: 'orders', count: 4, assignments: [{ brokerIds: [0] }] }, { name: 'other', count: 2, assignments: null }], timeoutMs: 1000, validateOnly: true }],
  [44, { resources: [{ resourceType: 2, resourceName: 'orders', configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }, { name: 'compression.type', configOperation: 1, value: null }] }], validateOnly: true }],
]);

describe('the supported API table', () => {
  it('lists Produce 3-9, Fetch 4-17, ListOffsets 1-6, Metadata 0-12, the group APIs, SaslHandshake 0-1, ApiVersions 0-3, CreateTopics 0-7, DeleteTopics 0-6, DeleteRecords 0-2, InitProducerId 0-4, DescribeConfigs 0-4, AlterConfigs 0-2, SaslAuthenticate 0-2, CreatePartitions 0-3 and IncrementalAlterConfigs 0-1, by key', () => {
    assert.deepEqual(supportedVersionRanges(), [
      { apiKey: 0, minVersion: 3, maxVersion: 9 },
      { apiKey: 1, minVersion: 4, maxVersion: 17 },
      { apiKey: 2, minVersion: 1, maxVersion: 6 },
      { apiKey: 3, minVersion: 0, maxVersion: 12 },
      { apiKey: 8, minVersion: 0, maxVersion: 8 },
      { apiKey: 9, minVersion: 1, maxVersion: 8 },
      { apiKey: 10, minVersion: 0, maxVersion: 4 },
      { apiKey: 11, minVersion: 0, maxVersion: 9 },
      { apiKey: 12, minVersion: 0, maxVersion: 4 },
      { apiKey: 13, minVersion: 0, maxVersion: 5 },
      { apiKey: 14, minVersion: 0, maxVersion: 5 },
      { apiKey: 15, minVersion: 0, maxVersion: 5 },
      { apiKey: 16, minVersion: 0, maxVersion: 5 },
      { apiKey: 17, minVersion: 0, maxVersion: 1 },
      { apiKey: 18, minVersion: 0, maxVersion: 3 },
      { apiKey: 19, minVersion: 0, maxVersion: 7 },
      { apiKey: 20, minVersion: 0, maxVersion: 6 },
      { apiKey: 21, minVersion: 0, maxVersion: 2 },
      { apiKey: 22, minVersion: 0, maxVersion: 4 },
      { apiKey: 32, minVersion: 0, maxVersion: 4 },
      { apiKey: 33, minVersion: 0, maxVersion: 2 },
      { apiKey: 36, minVersion: 0, maxVersion: 2 },
      { apiKey: 37, minVersion: 0, maxVersion: 3 },
      { apiKey: 44, minVersion: 0, maxVersion: 1 },
    ]);
    assert.equal(new Set(SUPPORTED_APIS.map((a) => a.key)).size, SUPPORTED_APIS.length);
  });
});

describe('ApiVersions codec', () => {
  const response: ApiVersionsResponse = { errorCode: 0, apiKeys: [{ apiKey: 3, minVersion: 0, maxVersion: 12 }], throttleTimeMs: 5 };

  it('round-trips requests and responses at v0-v3', () => {
    for (const v of versions(API_VERSIONS)) {
      const request = v >= 3 ? { clientSoftwareName: 'kcat', clientSoftwareVersion: '1.7' } : { clientSoftwareName: '', clientSoftwareVersion: '' };
      assert.deepEqual(API_VERSIONS.decodeRequest(new KafkaReader(body(API_VERSIONS, 'request', v, request)), v), request, `request v${v}`);
      const expected = { ...response, throttleTimeMs: v >= 1 ? 5 : 0 };
      assert.deepEqual(API_VERSIONS.decodeResponse(new KafkaReader(body(API_VERSIONS, 'response', v, response)), v), expected, `response v${v}`);
    }
  });

  it('writes the bytes the spec lays out (v0 classic, v3 compact with tagged fields)', () => {
    assert.deepEqual([...body(API_VERSIONS, 'response', 0, response)], [0, 0, 0, 0, 0, 1, 0, 3, 0, 0, 0, 12]);
    assert.deepEqual([...body(API_VERSIONS, 'response', 3, response)], [0, 0, 2, 0, 3, 0, 0, 0, 12, 0, 0, 0, 0, 5, 0]);
    assert.deepEqual([...body(API_VERSIONS, 'request', 3, { clientSoftwareName: 'a', clientSoftwareVersion: '1' })], [2, 0x61, 2, 0x31, 0]);
  });

  it('skips the v3 response tagged fields it does not know (SupportedFeatures and the like)', () => {
    const w = new KafkaWriter().int16(0).compactArray([], () => undefined).int32(0);
    w.taggedFields([{ tag: 0, data: Buffer.from([1]) }, { tag: 1, data: Buffer.alloc(8) }]);
    assert.deepEqual(API_VERSIONS.decodeResponse(new KafkaReader(w.toBuffer()), 3), { errorCode: 0, apiKeys: [], throttleTimeMs: 0 });
  });
});

describe('Metadata codec', () => {
  it('round-trips every response field at v0-v12, defaults where a version lacks one', () => {
    for (const v of versions(METADATA)) {
      assert.deepEqual(METADATA.decodeResponse(new KafkaReader(body(METADATA, 'response', v, fullMetadata)), v), metadataAt(v), `v${v}`);
    }
  });

  it('round-trips requests at v0-v12: null is every topic (v0: the empty array), ids from v10', () => {
    for (const v of versions(METADATA)) {
      const named: MetadataRequest = {
        topics: [{ topicId: v >= 10 ? id : ZERO_UUID, name: 'orders' }],
        allowAutoTopicCreation: v >= 4 ? false : true,
        includeClusterAuthorizedOperations: v >= 8 && v <= 10,
        includeTopicAuthorizedOperations: v >= 8,
      };
      assert.deepEqual(METADATA.decodeRequest(new KafkaReader(body(METADATA, 'request', v, named)), v), named, `named v${v}`);
      const all: MetadataRequest = { ...named, topics: null };
      assert.deepEqual(METADATA.decodeRequest(new KafkaReader(body(METADATA, 'request', v, all)), v), all, `all v${v}`);
      if (v >= 1) {
        const none: MetadataRequest = { ...named, topics: [] };
        assert.deepEqual(METADATA.decodeRequest(new KafkaReader(body(METADATA, 'request', v, none)), v), none, `none v${v}`);
      }
      if (v >= 10) {
        const byId: MetadataRequest = { ...named, topics: [{ topicId: id, name: null }] };
        assert.deepEqual(METADATA.decodeRequest(new KafkaReader(body(METADATA, 'request', v, byId)), v), byId, `by id v${v}`);
      }
    }
  });

  it('writes the bytes the spec lays out (v0 and v9 requests)', () => {
    const request: MetadataRequest = { topics: [{ topicId: ZERO_UUID, name: 'ab' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
    assert.deepEqual([...body(METADATA, 'request', 0, request)], [0, 0, 0, 1, 0, 2, 0x61, 0x62]);
    assert.deepEqual([...body(METADATA, 'request', 9, request)], [2, 3, 0x61, 0x62, 0, 1, 0, 0, 0]);
    assert.deepEqual([...body(METADATA, 'request', 1, { ...request, topics: null })], [0xff, 0xff, 0xff, 0xff]);
  });

  it('writes a null topic name only from v12 (earlier versions cannot say it: empty)', () => {
    const response: MetadataResponse = { ...fullMetadata, topics: [{ ...fullMetadata.topics[0]!, name: null, partitions: [] }] };
    assert.equal(METADATA.decodeResponse(new KafkaReader(body(METADATA, 'response', 12, response)), 12).topics[0]!.name, null);
    assert.equal(METADATA.decodeResponse(new KafkaReader(body(METADATA, 'response', 11, response)), 11).topics[0]!.name, '');
  });
});

describe('frames', () => {
  it('decode a request frame to its API, header and body (header v1 classic, v2 flexible)', () => {
    for (const v of versions(METADATA)) {
      const request: MetadataRequest = { topics: null, allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
      const frame = encodeRequestFrame(METADATA, { apiVersion: v, correlationId: 99, clientId: v % 2 ? null : 'client-é' }, request);
      assert.equal(frame.readInt32BE(0), frame.length - 4);
      const decoded = decodeRequestFrame(frame.subarray(4));
      assert.equal(decoded.kind, 'request');
      if (decoded.kind !== 'request') return;
      assert.deepEqual(decoded.header, { apiKey: 3, apiVersion: v, correlationId: 99, clientId: v % 2 ? null : 'client-é' });
      assert.deepEqual(decoded.body, request);
    }
  });

  it('tell an unknown API key and an unsupported version apart, reading only the header prefix', () => {
    const prefix = (key: number, version: number) => new KafkaWriter().int16(key).int16(version).int32(7).toBuffer();
    assert.deepEqual(decodeRequestFrame(prefix(1000, 0)), { kind: 'unknown-api', prefix: { apiKey: 1000, apiVersion: 0, correlationId: 7 } });
    const unsupported = decodeRequestFrame(prefix(18, 99));
    assert.equal(unsupported.kind, 'unsupported-version');
  });

  it('encode response headers per API: flexible Metadata gets v1 (tagged fields), ApiVersions always v0', () => {
    const av = encodeResponseFrame(API_VERSIONS, 3, 5, { errorCode: 0, apiKeys: [], throttleTimeMs: 0 });
    assert.deepEqual([...av], [0, 0, 0, 12, 0, 0, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0]);
    const md = encodeResponseFrame(METADATA, 9, 5, { ...fullMetadata, brokers: [], topics: [] });
    assert.deepEqual([...md.subarray(4, 9)], [0, 0, 0, 5, 0]);
    assert.deepEqual(decodeResponseFrame(METADATA, 9, md.subarray(4)).correlationId, 5);
    assert.deepEqual([...encodeResponseFrame(METADATA, 8, 5, { ...fullMetadata, brokers: [], topics: [] }).subarray(4, 8)], [0, 0, 0, 5]);
  });

  it('refuse every truncation of a Metadata request frame with KafkaDecodeError (truncated, or a length past the end)', async () => {
    const { KafkaDecodeError } = await import('../../../../lib/kafka/wire/decode-error');
    for (const v of versions(METADATA)) {
      const request: MetadataRequest = { topics: [{ topicId: v >= 10 ? id : ZERO_UUID, name: 'orders' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
      const frame = encodeRequestFrame(METADATA, { apiVersion: v, correlationId: 1, clientId: 'c' }, request).subarray(4);
      for (let cut = 0; cut < frame.length; cut++) {
        assert.throws(() => decodeRequestFrame(frame.subarray(0, cut)), (e: unknown) => e instanceof KafkaDecodeError && (e.code === 'truncated' || e.code === 'length-exceeds-frame'), `v${v} cut at ${cut}`);
      }
    }
  });

  it('decode nothing but KafkaDecodeError out of random bytes and mutated valid frames', async () => {
    const { KafkaDecodeError } = await import('../../../../lib/kafka/wire/decode-error');
    const valid: Buffer[] = [];
    for (const api of SUPPORTED_APIS) {
      for (const v of versions(api)) {
        const request =
          api === METADATA
            ? { topics: [{ topicId: v >= 10 ? id : ZERO_UUID, name: 'orders' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: true }
            : (SAMPLE_REQUESTS.get(api.key) ?? { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
        valid.push(encodeRequestFrame(api, { apiVersion: v, correlationId: v, clientId: 'c' }, request).subarray(4));
      }
    }
    const mutation = fc.record({
      frame: fc.constantFrom(...valid),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      cut: fc.option(fc.nat()),
      hostileAt: fc.option(fc.nat()),
    });
    const attempt = (frame: Uint8Array) => {
      try {
        decodeRequestFrame(frame);
      } catch (error) {
        if (!(error instanceof KafkaDecodeError)) throw error;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), attempt), { numRuns: 3000 });
    fc.assert(
      fc.property(mutation, ({ frame, edits, cut, hostileAt }) => {
        const bytes = Buffer.from(frame);
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        // A huge length (0x7fffffff or a 5-byte varint) dropped anywhere.
        if (hostileAt !== null) Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x0f]).copy(bytes, hostileAt % bytes.length);
        attempt(cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1)));
      }),
      { numRuns: 5000 },
    );
  });
});
