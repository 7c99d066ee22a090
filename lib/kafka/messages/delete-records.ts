import type { KafkaReader } from '../wire/reader';
import type { KafkaWriter } from '../wire/writer';
import type { KafkaApi } from './api';

/**
 * DeleteRecords (key 21), v0-v2 (DeleteRecordsRequest.json, DeleteRecordsResponse.json;
 * flexible from v2). kafkajs's `admin.deleteTopicRecords` asks v0-v1.
 *
 * Request: Topics [Name string, Partitions [PartitionIndex int32, Offset int64]],
 * TimeoutMs int32. Offset -1 is the high watermark. Response: ThrottleTimeMs int32,
 * Topics [Name string, Partitions [PartitionIndex int32, LowWatermark int64, ErrorCode int16]].
 */
export interface DeleteRecordsRequest {
  topics: { name: string; partitions: { partitionIndex: number; offset: bigint }[] }[];
  timeoutMs: number;
}

export interface DeletedRecordsPartition {
  partitionIndex: number;
  lowWatermark: bigint;
  errorCode: number;
}

export interface DeleteRecordsResponse {
  throttleTimeMs: number;
  topics: { name: string; partitions: DeletedRecordsPartition[] }[];
}

const FLEXIBLE_FROM = 2;

export const DELETE_RECORDS: KafkaApi<DeleteRecordsRequest, DeleteRecordsResponse> = {
  key: 21,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: FLEXIBLE_FROM,

  decodeRequest(reader: KafkaReader, version: number): DeleteRecordsRequest {
    const flexible = version >= FLEXIBLE_FROM;
    const topics = reader.arrayOf(
      flexible,
      (r) => {
        const name = r.stringOf(flexible, 'topic name');
        const partitions = r.arrayOf(
          flexible,
          (p) => {
            const partition = { partitionIndex: p.int32('partition index'), offset: p.int64('offset') };
            if (flexible) p.taggedFields();
            return partition;
          },
          'partitions',
          12,
        );
        if (flexible) r.taggedFields();
        return { name, partitions };
      },
      'topics',
      flexible ? 2 : 6,
    );
    const timeoutMs = reader.int32('timeout');
    if (flexible) reader.taggedFields();
    return { topics, timeoutMs };
  },

  encodeRequest(writer: KafkaWriter, version: number, request: DeleteRecordsRequest): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.arrayOf(flexible, request.topics, (w, topic) => {
      w.stringOf(flexible, topic.name);
      w.arrayOf(flexible, topic.partitions, (p, partition) => {
        p.int32(partition.partitionIndex).int64(partition.offset);
        if (flexible) p.taggedFields();
      });
      if (flexible) w.taggedFields();
    });
    writer.int32(request.timeoutMs);
    if (flexible) writer.taggedFields();
  },

  decodeResponse(reader: KafkaReader, version: number): DeleteRecordsResponse {
    const flexible = version >= FLEXIBLE_FROM;
    const throttleTimeMs = reader.int32('throttle time');
    const topics = reader.arrayOf(
      flexible,
      (r) => {
        const name = r.stringOf(flexible, 'topic name');
        const partitions = r.arrayOf(
          flexible,
          (p) => {
            const partition = { partitionIndex: p.int32('partition index'), lowWatermark: p.int64('low watermark'), errorCode: p.int16('error code') };
            if (flexible) p.taggedFields();
            return partition;
          },
          'partitions',
          14,
        );
        if (flexible) r.taggedFields();
        return { name, partitions };
      },
      'topics',
      flexible ? 2 : 6,
    );
    if (flexible) reader.taggedFields();
    return { throttleTimeMs, topics };
  },

  encodeResponse(writer: KafkaWriter, version: number, response: DeleteRecordsResponse): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.int32(response.throttleTimeMs);
    writer.arrayOf(flexible, response.topics, (w, topic) => {
      w.stringOf(flexible, topic.name);
      w.arrayOf(flexible, topic.partitions, (p, partition) => {
        p.int32(partition.partitionIndex).int64(partition.lowWatermark).int16(partition.errorCode);
        if (flexible) p.taggedFields();
      });
      if (flexible) w.taggedFields();
    });
    if (flexible) writer.taggedFields();
  },
};
