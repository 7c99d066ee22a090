import type { KafkaReader } from '../wire/reader';
import type { KafkaWriter } from '../wire/writer';
import type { KafkaApi } from './api';

/**
 * CreatePartitions (key 37), v0-v3 (CreatePartitionsRequest.json,
 * CreatePartitionsResponse.json; flexible from v2). kafkajs asks v0-v1, @platformatic/kafka v3.
 *
 * Request: Topics [Name, Count int32 (the new total), Assignments nullable [BrokerIds
 * [int32]] (one per new partition)], TimeoutMs int32, ValidateOnly bool.
 * Response: ThrottleTimeMs int32, Results [Name, ErrorCode int16, ErrorMessage nullable].
 */
export interface CreatePartitionsTopic {
  name: string;
  count: number;
  assignments: { brokerIds: number[] }[] | null;
}

export interface CreatePartitionsRequest {
  topics: CreatePartitionsTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatePartitionsTopicResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface CreatePartitionsResponse {
  throttleTimeMs: number;
  results: CreatePartitionsTopicResult[];
}

const FLEXIBLE_FROM = 2;

export const CREATE_PARTITIONS: KafkaApi<CreatePartitionsRequest, CreatePartitionsResponse> = {
  key: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: FLEXIBLE_FROM,

  decodeRequest(reader: KafkaReader, version: number): CreatePartitionsRequest {
    const flexible = version >= FLEXIBLE_FROM;
    const topics = reader.arrayOf(
      flexible,
      (r) => {
        const name = r.stringOf(flexible, 'topic name');
        const count = r.int32('partition count');
        const assignments = r.nullableArrayOf(
          flexible,
          (a) => {
            const brokerIds = a.arrayOf(flexible, (b) => b.int32('broker id'), 'broker ids', 4);
            if (flexible) a.taggedFields();
            return { brokerIds };
          },
          'assignments',
          flexible ? 2 : 4,
        );
        if (flexible) r.taggedFields();
        return { name, count, assignments };
      },
      'topics',
      flexible ? 7 : 10,
    );
    const timeoutMs = reader.int32('timeout');
    const validateOnly = reader.bool('validate only');
    if (flexible) reader.taggedFields();
    return { topics, timeoutMs, validateOnly };
  },

  encodeRequest(writer: KafkaWriter, version: number, request: CreatePartitionsRequest): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.arrayOf(flexible, request.topics, (w, topic) => {
      w.stringOf(flexible, topic.name).int32(topic.count);
      w.nullableArrayOf(flexible, topic.assignments, (a, assignment) => {
        a.arrayOf(flexible, assignment.brokerIds, (b, id) => b.int32(id));
        if (flexible) a.taggedFields();
      });
      if (flexible) w.taggedFields();
    });
    writer.int32(request.timeoutMs).bool(request.validateOnly);
    if (flexible) writer.taggedFields();
  },

  decodeResponse(reader: KafkaReader, version: number): CreatePartitionsResponse {
    const flexible = version >= FLEXIBLE_FROM;
    const throttleTimeMs = reader.int32('throttle time');
    const results = reader.arrayOf(
      flexible,
      (r) => {
        const result = { name: r.stringOf(flexible, 'topic name'), errorCode: r.int16('error code'), errorMessage: r.nullableStringOf(flexible, 'error message') };
        if (flexible) r.taggedFields();
        return result;
      },
      'results',
      flexible ? 5 : 6,
    );
    if (flexible) reader.taggedFields();
    return { throttleTimeMs, results };
  },

  encodeResponse(writer: KafkaWriter, version: number, response: CreatePartitionsResponse): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.int32(response.throttleTimeMs);
    writer.arrayOf(flexible, response.results, (w, result) => {
      w.stringOf(flexible, result.name).int16(result.errorCode).nullableStringOf(flexible, result.errorMessage);
      if (flexible) w.taggedFields();
    });
    if (flexible) writer.taggedFields();
  },
};
