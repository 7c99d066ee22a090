import type { KafkaReader } from '../wire/reader';
import { ZERO_UUID } from '../wire/uuid';
import type { KafkaWriter } from '../wire/writer';
import type { KafkaApi } from './api';

/**
 * CreateTopics (key 19), v0-v7 (CreateTopicsRequest.json, CreateTopicsResponse.json;
 * flexible from v5). kafkajs asks v0-v3, @platformatic/kafka v7.
 *
 * Request: Topics [Name, NumPartitions int32, ReplicationFactor int16, Assignments
 * [PartitionIndex int32, BrokerIds [int32]], Configs [Name, Value nullable]], TimeoutMs
 * int32, ValidateOnly bool (v1+).
 *
 * Response: ThrottleTimeMs int32 (v2+), Topics [Name, TopicId uuid (v7+), ErrorCode int16,
 * ErrorMessage nullable (v1+), TopicConfigErrorCode int16 (v5+, tagged field 0),
 * NumPartitions int32 (v5+), ReplicationFactor int16 (v5+), Configs nullable [Name, Value
 * nullable, ReadOnly bool, ConfigSource int8, IsSensitive bool] (v5+)].
 */
export interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: { name: string; value: string | null }[];
}

export interface CreateTopicsRequest {
  topics: CreatableTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatedTopicConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
}

export interface CreatableTopicResult {
  name: string;
  topicId: string;
  errorCode: number;
  errorMessage: string | null;
  topicConfigErrorCode: number;
  numPartitions: number;
  replicationFactor: number;
  configs: CreatedTopicConfig[] | null;
}

export interface CreateTopicsResponse {
  throttleTimeMs: number;
  topics: CreatableTopicResult[];
}

const FLEXIBLE_FROM = 5;
/** TopicConfigErrorCode's tag in the v5+ result's tagged fields. */
const TOPIC_CONFIG_ERROR_CODE_TAG = 0;

export const CREATE_TOPICS: KafkaApi<CreateTopicsRequest, CreateTopicsResponse> = {
  key: 19,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 7,
  flexibleFrom: FLEXIBLE_FROM,

  decodeRequest(reader: KafkaReader, version: number): CreateTopicsRequest {
    const flexible = version >= FLEXIBLE_FROM;
    const end = () => {
      if (flexible) reader.taggedFields();
    };
    const topics = reader.arrayOf(
      flexible,
      (r) => {
        const name = r.stringOf(flexible, 'topic name');
        const numPartitions = r.int32('partitions');
        const replicationFactor = r.int16('replication factor');
        const assignments = r.arrayOf(
          flexible,
          (a) => {
            const partitionIndex = a.int32('partition index');
            const brokerIds = a.arrayOf(flexible, (b) => b.int32('broker id'), 'broker ids', 4);
            end();
            return { partitionIndex, brokerIds };
          },
          'assignments',
          5,
        );
        const configs = r.arrayOf(
          flexible,
          (c) => {
            const config = { name: c.stringOf(flexible, 'config name'), value: c.nullableStringOf(flexible, 'config value') };
            end();
            return config;
          },
          'configs',
          2,
        );
        end();
        return { name, numPartitions, replicationFactor, assignments, configs };
      },
      'topics',
      9,
    );
    const timeoutMs = reader.int32('timeout');
    const validateOnly = version >= 1 ? reader.bool('validate only') : false;
    end();
    return { topics, timeoutMs, validateOnly };
  },

  encodeRequest(writer: KafkaWriter, version: number, request: CreateTopicsRequest): void {
    const flexible = version >= FLEXIBLE_FROM;
    const end = (w: KafkaWriter) => {
      if (flexible) w.taggedFields();
    };
    writer.arrayOf(flexible, request.topics, (w, topic) => {
      w.stringOf(flexible, topic.name).int32(topic.numPartitions).int16(topic.replicationFactor);
      w.arrayOf(flexible, topic.assignments, (a, assignment) => {
        a.int32(assignment.partitionIndex).arrayOf(flexible, assignment.brokerIds, (b, id) => b.int32(id));
        end(a);
      });
      w.arrayOf(flexible, topic.configs, (c, config) => {
        c.stringOf(flexible, config.name).nullableStringOf(flexible, config.value);
        end(c);
      });
      end(w);
    });
    writer.int32(request.timeoutMs);
    if (version >= 1) writer.bool(request.validateOnly);
    end(writer);
  },

  decodeResponse(reader: KafkaReader, version: number): CreateTopicsResponse {
    const flexible = version >= FLEXIBLE_FROM;
    const throttleTimeMs = version >= 2 ? reader.int32('throttle time') : 0;
    const topics = reader.arrayOf(
      flexible,
      (r) => {
        const name = r.stringOf(flexible, 'topic name');
        const topicId = version >= 7 ? r.uuid('topic id') : ZERO_UUID;
        const errorCode = r.int16('error code');
        const errorMessage = version >= 1 ? r.nullableStringOf(flexible, 'error message') : null;
        let numPartitions = -1;
        let replicationFactor = -1;
        let configs: CreatedTopicConfig[] | null = null;
        let topicConfigErrorCode = 0;
        if (version >= FLEXIBLE_FROM) {
          numPartitions = r.int32('partitions');
          replicationFactor = r.int16('replication factor');
          configs = r.compactNullableArray(
            (c) => {
              const config = { name: c.compactString('config name'), value: c.compactNullableString('config value'), readOnly: c.bool('read only'), configSource: c.int8('config source'), isSensitive: c.bool('sensitive') };
              c.taggedFields();
              return config;
            },
            'configs',
            6,
          );
          r.taggedFields((tag, field) => {
            if (tag === TOPIC_CONFIG_ERROR_CODE_TAG) topicConfigErrorCode = field.int16('topic config error code');
          });
        }
        return { name, topicId, errorCode, errorMessage, topicConfigErrorCode, numPartitions, replicationFactor, configs };
      },
      'topics',
      4,
    );
    if (flexible) reader.taggedFields();
    return { throttleTimeMs, topics };
  },

  encodeResponse(writer: KafkaWriter, version: number, response: CreateTopicsResponse): void {
    const flexible = version >= FLEXIBLE_FROM;
    if (version >= 2) writer.int32(response.throttleTimeMs);
    writer.arrayOf(flexible, response.topics, (w, topic) => {
      w.stringOf(flexible, topic.name);
      if (version >= 7) w.uuid(topic.topicId);
      w.int16(topic.errorCode);
      if (version >= 1) w.nullableStringOf(flexible, topic.errorMessage);
      if (version >= FLEXIBLE_FROM) {
        w.int32(topic.numPartitions).int16(topic.replicationFactor);
        w.compactNullableArray(topic.configs, (c, config) => {
          c.compactString(config.name).compactNullableString(config.value).bool(config.readOnly).int8(config.configSource).bool(config.isSensitive);
          c.taggedFields();
        });
        // TopicConfigErrorCode is a tagged field: written only when it says something.
        const tagged = topic.topicConfigErrorCode === 0 ? [] : [{ tag: TOPIC_CONFIG_ERROR_CODE_TAG, data: int16Bytes(topic.topicConfigErrorCode) }];
        w.taggedFields(tagged);
      }
    });
    if (flexible) writer.taggedFields();
  },
};

/** An int16's two big-endian bytes (a tagged field's value). */
function int16Bytes(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeInt16BE(value);
  return bytes;
}
