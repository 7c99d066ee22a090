import type { KafkaReader } from '../wire/reader';
import type { KafkaWriter } from '../wire/writer';
import type { KafkaApi } from './api';

/**
 * ListOffsets (key 2), v1-v6 (ListOffsetsRequest.json, ListOffsetsResponse.json;
 * flexible from v6). v0's MaxNumOffsets/OldStyleOffsets form is not spoken, nor v7, whose
 * only change is MAX_TIMESTAMP (-3): Sluice's index cannot answer it without reading batches.
 *
 * Request: ReplicaId int32, IsolationLevel int8 (v2+), Topics [Name string, Partitions
 * [PartitionIndex int32, CurrentLeaderEpoch int32 (v4+), Timestamp int64]].
 * Response: ThrottleTimeMs int32 (v2+), Topics [Name, Partitions [PartitionIndex int32,
 * ErrorCode int16, Timestamp int64, Offset int64, LeaderEpoch int32 (v4+)]].
 * Timestamp -1 asks for the latest offset, -2 the earliest, -3 (v7) the record with the
 * largest timestamp; any other value the first offset whose timestamp is at least it.
 */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;

export interface ListOffsetsRequest {
  replicaId: number;
  isolationLevel: number;
  topics: { name: string; partitions: { partitionIndex: number; currentLeaderEpoch: number; timestamp: number }[] }[];
}

export interface ListOffsetsPartitionResponse {
  partitionIndex: number;
  errorCode: number;
  timestamp: number;
  offset: number;
  leaderEpoch: number;
}

export interface ListOffsetsResponse {
  throttleTimeMs: number;
  topics: { name: string; partitions: ListOffsetsPartitionResponse[] }[];
}

const FLEXIBLE_FROM = 6;

export const LIST_OFFSETS: KafkaApi<ListOffsetsRequest, ListOffsetsResponse> = {
  key: 2,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 6,
  flexibleFrom: FLEXIBLE_FROM,

  decodeRequest(reader: KafkaReader, version: number): ListOffsetsRequest {
    const flexible = version >= FLEXIBLE_FROM;
    const replicaId = reader.int32('replica id');
    const isolationLevel = version >= 2 ? reader.int8('isolation level') : 0;
    const topics = reader.arrayOf(
      flexible,
      (r) => {
        const name = r.stringOf(flexible, 'topic name');
        const partitions = r.arrayOf(
          flexible,
          (p) => {
            const partitionIndex = p.int32('partition index');
            const currentLeaderEpoch = version >= 4 ? p.int32('current leader epoch') : -1;
            const timestamp = Number(p.int64('timestamp'));
            if (flexible) p.taggedFields();
            return { partitionIndex, currentLeaderEpoch, timestamp };
          },
          'partitions',
          12,
        );
        if (flexible) r.taggedFields();
        return { name, partitions };
      },
      'topics',
      2,
    );
    if (flexible) reader.taggedFields();
    return { replicaId, isolationLevel, topics };
  },

  encodeRequest(writer: KafkaWriter, version: number, request: ListOffsetsRequest): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.int32(request.replicaId);
    if (version >= 2) writer.int8(request.isolationLevel);
    writer.arrayOf(flexible, request.topics, (w, topic) => {
      w.stringOf(flexible, topic.name);
      w.arrayOf(flexible, topic.partitions, (p, partition) => {
        p.int32(partition.partitionIndex);
        if (version >= 4) p.int32(partition.currentLeaderEpoch);
        p.int64(partition.timestamp);
        if (flexible) p.taggedFields();
      });
      if (flexible) w.taggedFields();
    });
    if (flexible) writer.taggedFields();
  },

  decodeResponse(reader: KafkaReader, version: number): ListOffsetsResponse {
    const flexible = version >= FLEXIBLE_FROM;
    const throttleTimeMs = version >= 2 ? reader.int32('throttle time') : 0;
    const topics = reader.arrayOf(
      flexible,
      (r) => {
        const name = r.stringOf(flexible, 'topic name');
        const partitions = r.arrayOf(
          flexible,
          (p): ListOffsetsPartitionResponse => {
            const partitionIndex = p.int32('partition index');
            const errorCode = p.int16('error code');
            const timestamp = Number(p.int64('timestamp'));
            const offset = Number(p.int64('offset'));
            const leaderEpoch = version >= 4 ? p.int32('leader epoch') : -1;
            if (flexible) p.taggedFields();
            return { partitionIndex, errorCode, timestamp, offset, leaderEpoch };
          },
          'partitions',
          22,
        );
        if (flexible) r.taggedFields();
        return { name, partitions };
      },
      'topics',
      2,
    );
    if (flexible) reader.taggedFields();
    return { throttleTimeMs, topics };
  },

  encodeResponse(writer: KafkaWriter, version: number, response: ListOffsetsResponse): void {
    const flexible = version >= FLEXIBLE_FROM;
    if (version >= 2) writer.int32(response.throttleTimeMs);
    writer.arrayOf(flexible, response.topics, (w, topic) => {
      w.stringOf(flexible, topic.name);
      w.arrayOf(flexible, topic.partitions, (p, partition) => {
        p.int32(partition.partitionIndex).int16(partition.errorCode).int64(partition.timestamp).int64(partition.offset);
        if (version >= 4) p.int32(partition.leaderEpoch);
        if (flexible) p.taggedFields();
      });
      if (flexible) w.taggedFields();
    });
    if (flexible) writer.taggedFields();
  },
};
