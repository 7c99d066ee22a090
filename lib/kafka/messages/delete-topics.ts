import type { KafkaReader } from '../wire/reader';
import { ZERO_UUID } from '../wire/uuid';
import type { KafkaWriter } from '../wire/writer';
import type { KafkaApi } from './api';

/**
 * DeleteTopics (key 20), v0-v6 (DeleteTopicsRequest.json, DeleteTopicsResponse.json;
 * flexible from v4). kafkajs asks v0-v1, @platformatic/kafka v6.
 *
 * Request: v0-v5 TopicNames [string]; v6+ Topics [Name nullable, TopicId uuid] (by name
 * or by id); TimeoutMs int32. Both shapes decode to `topics`, the id being the zero uuid
 * before v6. Response: ThrottleTimeMs int32 (v1+), Responses [Name (nullable v6+),
 * TopicId uuid (v6+), ErrorCode int16, ErrorMessage nullable (v5+)].
 */
export interface DeleteTopicsRequest {
  topics: { name: string | null; topicId: string }[];
  timeoutMs: number;
}

export interface DeletableTopicResult {
  name: string | null;
  topicId: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface DeleteTopicsResponse {
  throttleTimeMs: number;
  responses: DeletableTopicResult[];
}

const FLEXIBLE_FROM = 4;

export const DELETE_TOPICS: KafkaApi<DeleteTopicsRequest, DeleteTopicsResponse> = {
  key: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 6,
  flexibleFrom: FLEXIBLE_FROM,

  decodeRequest(reader: KafkaReader, version: number): DeleteTopicsRequest {
    const flexible = version >= FLEXIBLE_FROM;
    const topics =
      version >= 6
        ? reader.compactArray(
            (r) => {
              const topic = { name: r.compactNullableString('topic name'), topicId: r.uuid('topic id') };
              r.taggedFields();
              return topic;
            },
            'topics',
            18,
          )
        : reader.arrayOf(flexible, (r) => ({ name: r.stringOf(flexible, 'topic name'), topicId: ZERO_UUID }), 'topic names', flexible ? 1 : 2);
    const timeoutMs = reader.int32('timeout');
    if (flexible) reader.taggedFields();
    return { topics, timeoutMs };
  },

  encodeRequest(writer: KafkaWriter, version: number, request: DeleteTopicsRequest): void {
    const flexible = version >= FLEXIBLE_FROM;
    if (version >= 6) {
      writer.compactArray(request.topics, (w, topic) => {
        w.compactNullableString(topic.name).uuid(topic.topicId);
        w.taggedFields();
      });
    } else {
      writer.arrayOf(flexible, request.topics, (w, topic) => w.stringOf(flexible, topic.name ?? ''));
    }
    writer.int32(request.timeoutMs);
    if (flexible) writer.taggedFields();
  },

  decodeResponse(reader: KafkaReader, version: number): DeleteTopicsResponse {
    const flexible = version >= FLEXIBLE_FROM;
    const throttleTimeMs = version >= 1 ? reader.int32('throttle time') : 0;
    const responses = reader.arrayOf(
      flexible,
      (r) => {
        const name = version >= 6 ? r.compactNullableString('topic name') : r.stringOf(flexible, 'topic name');
        const topicId = version >= 6 ? r.uuid('topic id') : ZERO_UUID;
        const errorCode = r.int16('error code');
        const errorMessage = version >= 5 ? r.compactNullableString('error message') : null;
        if (flexible) r.taggedFields();
        return { name, topicId, errorCode, errorMessage };
      },
      'responses',
      3,
    );
    if (flexible) reader.taggedFields();
    return { throttleTimeMs, responses };
  },

  encodeResponse(writer: KafkaWriter, version: number, response: DeleteTopicsResponse): void {
    const flexible = version >= FLEXIBLE_FROM;
    if (version >= 1) writer.int32(response.throttleTimeMs);
    writer.arrayOf(flexible, response.responses, (w, result) => {
      if (version >= 6) w.compactNullableString(result.name).uuid(result.topicId);
      else w.stringOf(flexible, result.name ?? '');
      w.int16(result.errorCode);
      if (version >= 5) w.compactNullableString(result.errorMessage);
      if (flexible) w.taggedFields();
    });
    if (flexible) writer.taggedFields();
  },
};
