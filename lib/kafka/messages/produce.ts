import type { KafkaReader } from '../wire/reader';
import type { KafkaWriter } from '../wire/writer';
import type { KafkaApi } from './api';

/**
 * Produce (key 0), v3-v9 (ProduceRequest.json, ProduceResponse.json; flexible from v9).
 * v3 is the first version whose records are magic-2 batches (and that has
 * TransactionalId), so it is the oldest the gateway speaks.
 *
 * Request: TransactionalId nullable string, Acks int16, TimeoutMs int32, TopicData
 * [Name string, PartitionData [Index int32, Records RECORDS (nullable bytes)]].
 * Response: Responses [Name, PartitionResponses [Index int32, ErrorCode int16,
 * BaseOffset int64, LogAppendTimeMs int64, LogStartOffset int64 (v5+), RecordErrors
 * [BatchIndex int32, BatchIndexErrorMessage nullable string] (v8+), ErrorMessage
 * nullable string (v8+)]], ThrottleTimeMs int32. The records stay raw bytes here; the
 * handler decodes them (lib/kafka/records), so a corrupt batch is one partition's
 * CORRUPT_MESSAGE rather than a closed connection.
 */
export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topics: { name: string; partitions: { index: number; records: Buffer | null }[] }[];
}

export interface ProducePartitionResponse {
  index: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  recordErrors: { batchIndex: number; message: string | null }[];
  errorMessage: string | null;
}

export interface ProduceResponse {
  topics: { name: string; partitions: ProducePartitionResponse[] }[];
  throttleTimeMs: number;
}

const FLEXIBLE_FROM = 9;

export const PRODUCE: KafkaApi<ProduceRequest, ProduceResponse> = {
  key: 0,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 9,
  flexibleFrom: FLEXIBLE_FROM,

  decodeRequest(reader: KafkaReader, version: number): ProduceRequest {
    const flexible = version >= FLEXIBLE_FROM;
    const transactionalId = reader.nullableStringOf(flexible, 'transactional id');
    const acks = reader.int16('acks');
    const timeoutMs = reader.int32('timeout');
    const topics = reader.arrayOf(
      flexible,
      (r) => {
        const name = r.stringOf(flexible, 'topic name');
        const partitions = r.arrayOf(
          flexible,
          (p) => {
            const index = p.int32('partition index');
            const records = p.nullableBytesOf(flexible, 'records');
            if (flexible) p.taggedFields();
            return { index, records };
          },
          'partition data',
          5,
        );
        if (flexible) r.taggedFields();
        return { name, partitions };
      },
      'topic data',
      2,
    );
    if (flexible) reader.taggedFields();
    return { transactionalId, acks, timeoutMs, topics };
  },

  encodeRequest(writer: KafkaWriter, version: number, request: ProduceRequest): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.nullableStringOf(flexible, request.transactionalId).int16(request.acks).int32(request.timeoutMs);
    writer.arrayOf(flexible, request.topics, (w, topic) => {
      w.stringOf(flexible, topic.name);
      w.arrayOf(flexible, topic.partitions, (p, partition) => {
        p.int32(partition.index).nullableBytesOf(flexible, partition.records);
        if (flexible) p.taggedFields();
      });
      if (flexible) w.taggedFields();
    });
    if (flexible) writer.taggedFields();
  },

  decodeResponse(reader: KafkaReader, version: number): ProduceResponse {
    const flexible = version >= FLEXIBLE_FROM;
    const topics = reader.arrayOf(
      flexible,
      (r) => {
        const name = r.stringOf(flexible, 'topic name');
        const partitions = r.arrayOf(
          flexible,
          (p): ProducePartitionResponse => {
            const index = p.int32('partition index');
            const errorCode = p.int16('error code');
            const baseOffset = Number(p.int64('base offset'));
            const logAppendTimeMs = Number(p.int64('log append time'));
            const logStartOffset = version >= 5 ? Number(p.int64('log start offset')) : -1;
            let recordErrors: ProducePartitionResponse['recordErrors'] = [];
            let errorMessage: string | null = null;
            if (version >= 8) {
              recordErrors = p.arrayOf(
                flexible,
                (e) => {
                  const item = { batchIndex: e.int32('batch index'), message: e.nullableStringOf(flexible, 'batch index error message') };
                  if (flexible) e.taggedFields();
                  return item;
                },
                'record errors',
                5,
              );
              errorMessage = p.nullableStringOf(flexible, 'error message');
            }
            if (flexible) p.taggedFields();
            return { index, errorCode, baseOffset, logAppendTimeMs, logStartOffset, recordErrors, errorMessage };
          },
          'partition responses',
          22,
        );
        if (flexible) r.taggedFields();
        return { name, partitions };
      },
      'responses',
      2,
    );
    const throttleTimeMs = reader.int32('throttle time');
    if (flexible) reader.taggedFields();
    return { topics, throttleTimeMs };
  },

  encodeResponse(writer: KafkaWriter, version: number, response: ProduceResponse): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.arrayOf(flexible, response.topics, (w, topic) => {
      w.stringOf(flexible, topic.name);
      w.arrayOf(flexible, topic.partitions, (p, partition) => {
        p.int32(partition.index).int16(partition.errorCode).int64(partition.baseOffset).int64(partition.logAppendTimeMs);
        if (version >= 5) p.int64(partition.logStartOffset);
        if (version >= 8) {
          p.arrayOf(flexible, partition.recordErrors, (e, error) => {
            e.int32(error.batchIndex).nullableStringOf(flexible, error.message);
            if (flexible) e.taggedFields();
          });
          p.nullableStringOf(flexible, partition.errorMessage);
        }
        if (flexible) p.taggedFields();
      });
      if (flexible) w.taggedFields();
    });
    writer.int32(response.throttleTimeMs);
    if (flexible) writer.taggedFields();
  },
};
