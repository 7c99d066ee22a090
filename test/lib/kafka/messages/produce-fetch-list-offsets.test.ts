import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KafkaApi } from '../../../../lib/kafka/messages/api';
import { FETCH, type FetchRequest, type FetchResponse } from '../../../../lib/kafka/messages/fetch';
import { decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame } from '../../../../lib/kafka/messages/frames';
import { INIT_PRODUCER_ID } from '../../../../lib/kafka/messages/init-producer-id';
import { LIST_OFFSETS, type ListOffsetsRequest, type ListOffsetsResponse } from '../../../../lib/kafka/messages/list-offsets';
import { PRODUCE, type ProduceRequest, type ProduceResponse } from '../../../../lib/kafka/messages/produce';
import { KafkaReader } from '../../../../lib/kafka/wire/reader';
import { ZERO_UUID } from '../../../../lib/kafka/wire/uuid';
import { KafkaWriter } from '../../../../lib/kafka/wire/writer';

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

describe('Produce codec (v3-v9)', () => {
  const request: ProduceRequest = { transactionalId: null, acks: -1, timeoutMs: 30_000, topics: [{ name: 'orders', partitions: [{ index: 2, records: Buffer.from([1, 2, 3]) }, { index: 0, records: null }] }] };
  const response: ProduceResponse = {
    topics: [{ name: 'orders', partitions: [{ index: 2, errorCode: 0, baseOffset: 41, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [{ batchIndex: 0, message: 'bad' }], errorMessage: 'why' }] }],
    throttleTimeMs: 7,
  };
  it('round-trips every version; fields a version lacks come back as their defaults', () => {
    for (const v of versions(PRODUCE)) {
      const back = roundTrip(PRODUCE, v, request, response);
      assert.deepEqual(back.request, request, `v${v}`);
      const partition = back.response.topics[0]!.partitions[0]!;
      assert.equal(partition.baseOffset, 41);
      assert.equal(partition.logStartOffset, v >= 5 ? 0 : -1);
      assert.deepEqual(partition.recordErrors, v >= 8 ? [{ batchIndex: 0, message: 'bad' }] : []);
      assert.equal(back.response.throttleTimeMs, 7);
    }
  });
  it('lays out a v9 request with compact fields and tagged sections', () => {
    const frame = encodeRequestFrame(PRODUCE, { apiVersion: 9, correlationId: 1, clientId: null }, { ...request, topics: [{ name: 't', partitions: [{ index: 1, records: Buffer.from([7]) }] }] });
    // size, key 0, version 9, correlation 1, client id null (int16 -1), header tags 0,
    // transactional id null (0), acks -1, timeout, 1 topic (2), 't' (2, 0x74), 1 partition (2), index 1,
    // records of 1 byte (2, 7), partition tags, topic tags, request tags.
    assert.deepEqual([...frame.subarray(4)], [0, 0, 0, 9, 0, 0, 0, 1, 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0, 0x75, 0x30, 2, 2, 0x74, 2, 0, 0, 0, 1, 2, 7, 0, 0, 0]);
  });
});

describe('Fetch codec (v4-v17)', () => {
  const topicId = '6f1c2a4e-9b3d-4c55-8e7f-0a1b2c3d4e5f';
  const request: FetchRequest = {
    replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 52_428_800, isolationLevel: 1, sessionId: 0, sessionEpoch: -1, rackId: 'rack-a',
    topics: [{ topic: 'orders', topicId, partitions: [{ partition: 1, currentLeaderEpoch: 0, fetchOffset: 10, lastFetchedEpoch: 0, logStartOffset: 3, partitionMaxBytes: 1_048_576 }] }],
    forgottenTopics: [{ topic: 'old', topicId: '00000000-0000-4000-8000-000000000007', partitions: [0, 1] }],
  };
  const response: FetchResponse = {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0,
    responses: [{ topic: 'orders', topicId, partitions: [{ partitionIndex: 1, errorCode: 0, highWatermark: 20, lastStableOffset: 20, logStartOffset: 3, abortedTransactions: [], preferredReadReplica: -1, records: Buffer.from([9, 9]) }] }],
  };
  it('round-trips every version; fields a version lacks come back as their defaults', () => {
    for (const v of versions(FETCH)) {
      const back = roundTrip(FETCH, v, request, response);
      const r = back.request as FetchRequest;
      const p = r.topics[0]!.partitions[0]!;
      assert.equal(p.fetchOffset, 10);
      assert.equal(p.partitionMaxBytes, 1_048_576);
      assert.equal(p.logStartOffset, v >= 5 ? 3 : -1);
      assert.equal(p.currentLeaderEpoch, v >= 9 ? 0 : -1);
      assert.equal(p.lastFetchedEpoch, v >= 12 ? 0 : -1);
      // Names up to v12, ids from v13 (KIP-516): the other one comes back as its default.
      assert.deepEqual([r.topics[0]!.topic, r.topics[0]!.topicId], v >= 13 ? ['', topicId] : ['orders', ZERO_UUID], `v${v}`);
      assert.deepEqual(
        r.forgottenTopics,
        v < 7 ? [] : [{ topic: v >= 13 ? '' : 'old', topicId: v >= 13 ? request.forgottenTopics[0]!.topicId : ZERO_UUID, partitions: [0, 1] }],
      );
      assert.equal(r.rackId, v >= 11 ? 'rack-a' : '');
      assert.equal(r.replicaId, -1);
      const topic = back.response.responses[0]!;
      assert.deepEqual([topic.topic, topic.topicId], v >= 13 ? ['', topicId] : ['orders', ZERO_UUID], `response v${v}`);
      assert.deepEqual(topic.partitions[0]!.records, Buffer.from([9, 9]));
      assert.equal(topic.partitions[0]!.logStartOffset, v >= 5 ? 3 : -1);
    }
  });
  it('carries a replica id in the top-level field to v14 and in the tagged ReplicaState from v15', () => {
    for (const v of [11, 14, 15, 17]) {
      const back = roundTrip(FETCH, v, { ...request, replicaId: 3 }, response).request as FetchRequest;
      assert.equal(back.replicaId, 3, `v${v}`);
    }
  });
  it('lays out a v13 request with the topic id as 16 bytes where v12 has the name, and v15 without ReplicaId', () => {
    const body = (v: number, replicaId: number) => encodeRequestFrame(FETCH, { apiVersion: v, correlationId: 1, clientId: null }, { ...request, replicaId, forgottenTopics: [] }).subarray(4 + 11);
    // After the header (key, version, correlation id, null client id, header tags: 11 bytes):
    // [ReplicaId] MaxWaitMs MinBytes MaxBytes IsolationLevel SessionId SessionEpoch, then 1 topic (compact: 2).
    const v12 = body(12, -1);
    const v13 = body(13, -1);
    const v15 = body(15, -1);
    assert.deepEqual([...v12.subarray(0, 4)], [0xff, 0xff, 0xff, 0xff]);
    assert.deepEqual([...v12.subarray(25, 27)], [2, 7]);
    assert.equal(v12.subarray(27, 33).toString(), 'orders');
    assert.equal(v13.subarray(26, 42).toString('hex'), topicId.replaceAll('-', ''));
    // v15 drops the 4-byte ReplicaId and, for a consumer, writes no ReplicaState: otherwise as v13.
    assert.deepEqual(v15, v13.subarray(4));
    // A replica's ReplicaState: tag 1, size 12, ReplicaId and ReplicaEpoch, in the request's tagged section.
    assert.equal(body(15, 3).length, v15.length + 1 + 1 + 12);
  });
  it('reads a v17 request whose partition carries a tagged ReplicaDirectoryId, and ClusterId at the top', () => {
    const w = new KafkaWriter();
    w.int32(100).int32(1).int32(1 << 20).int8(0).int32(0).int32(-1);
    w.compactArray([0], (t) => {
      t.uuid(topicId);
      t.compactArray([0], (p) => {
        p.int32(2).int32(-1).int64(5).int32(-1).int64(-1).int32(4096);
        p.taggedFields([{ tag: 0, data: Buffer.alloc(16, 0xab) }]);
      });
      t.taggedFields();
    });
    w.compactArray([], () => undefined).compactString('');
    w.taggedFields([{ tag: 0, data: new KafkaWriter().compactNullableString('cluster').toBuffer() }]);
    const decoded = FETCH.decodeRequest(new KafkaReader(w.toBuffer()), 17);
    assert.deepEqual(decoded.topics, [{ topic: '', topicId, partitions: [{ partition: 2, currentLeaderEpoch: -1, fetchOffset: 5, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 4096 }] }]);
    assert.equal(decoded.replicaId, -1);
    assert.equal(decoded.maxWaitMs, 100);
  });
});

describe('ListOffsets codec (v1-v6)', () => {
  const request: ListOffsetsRequest = { replicaId: -1, isolationLevel: 0, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, currentLeaderEpoch: 0, timestamp: -2 }] }] };
  const response: ListOffsetsResponse = { throttleTimeMs: 0, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1, offset: 17, leaderEpoch: 0 }] }] };
  it('round-trips every version', () => {
    for (const v of versions(LIST_OFFSETS)) {
      const back = roundTrip(LIST_OFFSETS, v, request, response);
      assert.equal((back.request as ListOffsetsRequest).topics[0]!.partitions[0]!.timestamp, -2);
      assert.equal(back.response.topics[0]!.partitions[0]!.offset, 17);
      assert.equal(back.response.topics[0]!.partitions[0]!.leaderEpoch, v >= 4 ? 0 : -1);
    }
  });
});

describe('InitProducerId codec (v0-v4)', () => {
  it('round-trips every version; ProducerId and ProducerEpoch in requests from v3', () => {
    for (const v of versions(INIT_PRODUCER_ID)) {
      const back = roundTrip(INIT_PRODUCER_ID, v, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: 12, producerEpoch: 3 }, { throttleTimeMs: 0, errorCode: 0, producerId: 99, producerEpoch: 0 });
      assert.deepEqual(back.request, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: v >= 3 ? 12 : -1, producerEpoch: v >= 3 ? 3 : -1 });
      assert.deepEqual(back.response, { throttleTimeMs: 0, errorCode: 0, producerId: 99, producerEpoch: 0 });
    }
  });
});
