import type { KafkaReader } from '../wire/reader';
import { ZERO_UUID } from '../wire/uuid';
import { KafkaWriter } from '../wire/writer';
import type { KafkaApi } from './api';

/**
 * Fetch (key 1), v4-v17 (FetchRequest.json, FetchResponse.json; flexible from v12).
 * v4 is the first with IsolationLevel and LastStableOffset (magic-2 batches).
 *
 * Request: ReplicaId int32 (v4-v14), MaxWaitMs int32, MinBytes int32, MaxBytes int32,
 * IsolationLevel int8, SessionId int32 (v7+), SessionEpoch int32 (v7+), Topics [Topic
 * string (v4-v12) | TopicId uuid (v13+), Partitions [Partition int32,
 * CurrentLeaderEpoch int32 (v9+), FetchOffset int64, LastFetchedEpoch int32 (v12+),
 * LogStartOffset int64 (v5+), PartitionMaxBytes int32]], ForgottenTopicsData [Topic
 * string (v7-v12) | TopicId uuid (v13+), Partitions [int32]] (v7+), RackId string
 * (v11+). Tagged: ClusterId (tag 0, v12+) is skipped; ReplicaState (tag 1, v15+:
 * ReplicaId int32, ReplicaEpoch int64) carries the replica id from v15; a partition's
 * ReplicaDirectoryId (tag 0, v17+) is skipped (a follower's, never a consumer's).
 * v14 (a new error, OFFSET_MOVED_TO_TIERED_STORAGE), v16 and v17 lay the request out as
 * the version before.
 * Response: ThrottleTimeMs int32, ErrorCode int16 (v7+), SessionId int32 (v7+),
 * Responses [Topic string (v4-v12) | TopicId uuid (v13+), Partitions [PartitionIndex
 * int32, ErrorCode int16, HighWatermark int64, LastStableOffset int64, LogStartOffset
 * int64 (v5+), AbortedTransactions nullable [ProducerId int64, FirstOffset int64],
 * PreferredReadReplica int32 (v11+), Records RECORDS]]; the gateway writes none of the
 * tagged fields (DivergingEpoch, CurrentLeader, SnapshotId; NodeEndpoints, v16+, which
 * only goes with NOT_LEADER_OR_FOLLOWER answers) and skips them reading.
 *
 * A topic is named by `topic` below v13 and by `topicId` from v13; the field a version
 * lacks decodes as '' (name) or the zero uuid (id).
 */
export interface FetchPartitionRequest {
  partition: number;
  currentLeaderEpoch: number;
  fetchOffset: number;
  lastFetchedEpoch: number;
  logStartOffset: number;
  partitionMaxBytes: number;
}

export interface FetchRequest {
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  sessionId: number;
  sessionEpoch: number;
  topics: { topic: string; topicId: string; partitions: FetchPartitionRequest[] }[];
  forgottenTopics: { topic: string; topicId: string; partitions: number[] }[];
  rackId: string;
}

export interface FetchPartitionResponse {
  partitionIndex: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  abortedTransactions: { producerId: number; firstOffset: number }[] | null;
  preferredReadReplica: number;
  /** Magic-2 batches, one after another (lib/kafka/records). */
  records: Buffer | null;
}

export interface FetchResponse {
  throttleTimeMs: number;
  errorCode: number;
  sessionId: number;
  responses: { topic: string; topicId: string; partitions: FetchPartitionResponse[] }[];
}

const FLEXIBLE_FROM = 12;
/** The first version naming topics by id (KIP-516). */
export const FETCH_TOPIC_IDS_FROM = 13;
/** The first version with ReplicaId only in the tagged ReplicaState (KIP-903). */
const REPLICA_STATE_FROM = 15;
const REPLICA_STATE_TAG = 1;

export const FETCH: KafkaApi<FetchRequest, FetchResponse> = {
  key: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 17,
  flexibleFrom: FLEXIBLE_FROM,

  decodeRequest(reader: KafkaReader, version: number): FetchRequest {
    const flexible = version >= FLEXIBLE_FROM;
    const byId = version >= FETCH_TOPIC_IDS_FROM;
    let replicaId = version < REPLICA_STATE_FROM ? reader.int32('replica id') : -1;
    const maxWaitMs = reader.int32('max wait');
    const minBytes = reader.int32('min bytes');
    const maxBytes = reader.int32('max bytes');
    const isolationLevel = reader.int8('isolation level');
    const sessionId = version >= 7 ? reader.int32('session id') : 0;
    const sessionEpoch = version >= 7 ? reader.int32('session epoch') : -1;
    const topics = reader.arrayOf(
      flexible,
      (r) => {
        const topic = byId ? '' : r.stringOf(flexible, 'topic');
        const topicId = byId ? r.uuid('topic id') : ZERO_UUID;
        const partitions = r.arrayOf(
          flexible,
          (p): FetchPartitionRequest => {
            const partition = p.int32('partition');
            const currentLeaderEpoch = version >= 9 ? p.int32('current leader epoch') : -1;
            const fetchOffset = Number(p.int64('fetch offset'));
            const lastFetchedEpoch = version >= 12 ? p.int32('last fetched epoch') : -1;
            const logStartOffset = version >= 5 ? Number(p.int64('log start offset')) : -1;
            const partitionMaxBytes = p.int32('partition max bytes');
            if (flexible) p.taggedFields();
            return { partition, currentLeaderEpoch, fetchOffset, lastFetchedEpoch, logStartOffset, partitionMaxBytes };
          },
          'partitions',
          16,
        );
        if (flexible) r.taggedFields();
        return { topic, topicId, partitions };
      },
      'topics',
      2,
    );
    let forgottenTopics: FetchRequest['forgottenTopics'] = [];
    if (version >= 7) {
      forgottenTopics = reader.arrayOf(
        flexible,
        (r) => {
          const topic = byId ? '' : r.stringOf(flexible, 'forgotten topic');
          const topicId = byId ? r.uuid('forgotten topic id') : ZERO_UUID;
          const partitions = r.arrayOf(flexible, (p) => p.int32('forgotten partition'), 'forgotten partitions', 4);
          if (flexible) r.taggedFields();
          return { topic, topicId, partitions };
        },
        'forgotten topics',
        2,
      );
    }
    const rackId = version >= 11 ? reader.stringOf(flexible, 'rack id') : '';
    if (flexible) {
      reader.taggedFields((tag, field) => {
        if (tag === REPLICA_STATE_TAG && version >= REPLICA_STATE_FROM) replicaId = field.int32('replica state: replica id');
      });
    }
    return { replicaId, maxWaitMs, minBytes, maxBytes, isolationLevel, sessionId, sessionEpoch, topics, forgottenTopics, rackId };
  },

  encodeRequest(writer: KafkaWriter, version: number, request: FetchRequest): void {
    const flexible = version >= FLEXIBLE_FROM;
    const byId = version >= FETCH_TOPIC_IDS_FROM;
    if (version < REPLICA_STATE_FROM) writer.int32(request.replicaId);
    writer.int32(request.maxWaitMs).int32(request.minBytes).int32(request.maxBytes).int8(request.isolationLevel);
    if (version >= 7) writer.int32(request.sessionId).int32(request.sessionEpoch);
    writer.arrayOf(flexible, request.topics, (w, topic) => {
      if (byId) w.uuid(topic.topicId);
      else w.stringOf(flexible, topic.topic);
      w.arrayOf(flexible, topic.partitions, (p, partition) => {
        p.int32(partition.partition);
        if (version >= 9) p.int32(partition.currentLeaderEpoch);
        p.int64(partition.fetchOffset);
        if (version >= 12) p.int32(partition.lastFetchedEpoch);
        if (version >= 5) p.int64(partition.logStartOffset);
        p.int32(partition.partitionMaxBytes);
        if (flexible) p.taggedFields();
      });
      if (flexible) w.taggedFields();
    });
    if (version >= 7) {
      writer.arrayOf(flexible, request.forgottenTopics, (w, topic) => {
        if (byId) w.uuid(topic.topicId);
        else w.stringOf(flexible, topic.topic);
        w.arrayOf(flexible, topic.partitions, (p, partition) => p.int32(partition));
        if (flexible) w.taggedFields();
      });
    }
    if (version >= 11) writer.stringOf(flexible, request.rackId);
    // A consumer's ReplicaId (-1) is ReplicaState's default: the field is written only for a replica.
    if (flexible) writer.taggedFields(version >= REPLICA_STATE_FROM && request.replicaId !== -1 ? [{ tag: REPLICA_STATE_TAG, data: new KafkaWriter(12).int32(request.replicaId).int64(-1).toBuffer() }] : []);
  },

  decodeResponse(reader: KafkaReader, version: number): FetchResponse {
    const flexible = version >= FLEXIBLE_FROM;
    const throttleTimeMs = reader.int32('throttle time');
    const errorCode = version >= 7 ? reader.int16('error code') : 0;
    const sessionId = version >= 7 ? reader.int32('session id') : 0;
    const byId = version >= FETCH_TOPIC_IDS_FROM;
    const responses = reader.arrayOf(
      flexible,
      (r) => {
        const topic = byId ? '' : r.stringOf(flexible, 'topic');
        const topicId = byId ? r.uuid('topic id') : ZERO_UUID;
        const partitions = r.arrayOf(
          flexible,
          (p): FetchPartitionResponse => {
            const partitionIndex = p.int32('partition index');
            const errorCode = p.int16('error code');
            const highWatermark = Number(p.int64('high watermark'));
            const lastStableOffset = Number(p.int64('last stable offset'));
            const logStartOffset = version >= 5 ? Number(p.int64('log start offset')) : -1;
            const abortedTransactions = p.nullableArrayOf(
              flexible,
              (a) => {
                const item = { producerId: Number(a.int64('producer id')), firstOffset: Number(a.int64('first offset')) };
                if (flexible) a.taggedFields();
                return item;
              },
              'aborted transactions',
              16,
            );
            const preferredReadReplica = version >= 11 ? p.int32('preferred read replica') : -1;
            const records = p.nullableBytesOf(flexible, 'records');
            if (flexible) p.taggedFields();
            return { partitionIndex, errorCode, highWatermark, lastStableOffset, logStartOffset, abortedTransactions, preferredReadReplica, records };
          },
          'partitions',
          22,
        );
        if (flexible) r.taggedFields();
        return { topic, topicId, partitions };
      },
      'responses',
      2,
    );
    if (flexible) reader.taggedFields();
    return { throttleTimeMs, errorCode, sessionId, responses };
  },

  encodeResponse(writer: KafkaWriter, version: number, response: FetchResponse): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.int32(response.throttleTimeMs);
    if (version >= 7) writer.int16(response.errorCode).int32(response.sessionId);
    writer.arrayOf(flexible, response.responses, (w, topic) => {
      if (version >= FETCH_TOPIC_IDS_FROM) w.uuid(topic.topicId);
      else w.stringOf(flexible, topic.topic);
      w.arrayOf(flexible, topic.partitions, (p, partition) => {
        p.int32(partition.partitionIndex).int16(partition.errorCode).int64(partition.highWatermark).int64(partition.lastStableOffset);
        if (version >= 5) p.int64(partition.logStartOffset);
        p.nullableArrayOf(flexible, partition.abortedTransactions, (a, aborted) => {
          a.int64(aborted.producerId).int64(aborted.firstOffset);
          if (flexible) a.taggedFields();
        });
        if (version >= 11) p.int32(partition.preferredReadReplica);
        p.nullableBytesOf(flexible, partition.records);
        if (flexible) p.taggedFields();
      });
      if (flexible) w.taggedFields();
    });
    if (flexible) writer.taggedFields();
  },
};
