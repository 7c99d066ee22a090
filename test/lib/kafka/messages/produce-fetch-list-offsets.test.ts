import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KafkaApi } from '../../../../lib/kafka/messages/api';
import { FETCH, type FetchRequest, type FetchResponse } from '../../../../lib/kafka/messages/fetch';
import { decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame } from '../../../../lib/kafka/messages/frames';
import { INIT_PRODUCER_ID } from '../../../../lib/kafka/messages/init-producer-id';
import { LIST_OFFSETS, type ListOffsetsRequest, type ListOffsetsResponse } from '../../../../lib/kafka/messages/list-offsets';
import { PRODUCE, type ProduceRequest, type ProduceResponse } from '../../../../lib/kafka/messages/produce';

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

describe('Fetch codec (v4-v12)', () => {
  const request: FetchRequest = {
    replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 52_428_800, isolationLevel: 1, sessionId: 0, sessionEpoch: -1, rackId: 'rack-a',
    topics: [{ topic: 'orders', partitions: [{ partition: 1, currentLeaderEpoch: 0, fetchOffset: 10, lastFetchedEpoch: 0, logStartOffset: 3, partitionMaxBytes: 1_048_576 }] }],
    forgottenTopics: [{ topic: 'old', partitions: [0, 1] }],
  };
  const response: FetchResponse = {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0,
    responses: [{ topic: 'orders', partitions: [{ partitionIndex: 1, errorCode: 0, highWatermark: 20, lastStableOffset: 20, logStartOffset: 3, abortedTransactions: [], preferredReadReplica: -1, records: Buffer.from([9, 9]) }] }],
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
      assert.deepEqual(r.forgottenTopics, v >= 7 ? request.forgottenTopics : []);
      assert.equal(r.rackId, v >= 11 ? 'rack-a' : '');
      assert.deepEqual(back.response.responses[0]!.partitions[0]!.records, Buffer.from([9, 9]));
      assert.equal(back.response.responses[0]!.partitions[0]!.logStartOffset, v >= 5 ? 3 : -1);
    }
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
