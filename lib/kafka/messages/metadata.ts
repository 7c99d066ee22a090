import type { KafkaReader } from '../wire/reader';
import { ZERO_UUID } from '../wire/uuid';
import type { KafkaWriter } from '../wire/writer';
import type { KafkaApi } from './api';

/**
 * Metadata (key 3), v0-v12 (MetadataRequest.json, MetadataResponse.json); flexible from v9.
 *
 * Request: Topics [TopicId uuid (v10+), Name string (nullable v10+)]: in v0 an empty
 * array means every topic; from v1 null means every topic and empty means none.
 * AllowAutoTopicCreation bool (v4+), IncludeClusterAuthorizedOperations bool (v8-v10),
 * IncludeTopicAuthorizedOperations bool (v8+).
 *
 * Response: ThrottleTimeMs (v3+); Brokers [NodeId, Host, Port, Rack (v1+, nullable)];
 * ClusterId (v2+, nullable); ControllerId (v1+); Topics [ErrorCode, Name (nullable
 * v12+), TopicId (v10+), IsInternal (v1+), Partitions [ErrorCode, PartitionIndex,
 * LeaderId, LeaderEpoch (v7+), ReplicaNodes, IsrNodes, OfflineReplicas (v5+)],
 * TopicAuthorizedOperations (v8+)]; ClusterAuthorizedOperations (v8-v10). Fields a
 * version lacks read as their defaults (null, -1, false, [], the zero uuid,
 * AUTHORIZED_OPERATIONS_OMITTED).
 */
export interface MetadataRequestTopic {
  /** ZERO_UUID when the topic is named. */
  topicId: string;
  name: string | null;
}

export interface MetadataRequest {
  /** null: every topic. */
  topics: MetadataRequestTopic[] | null;
  allowAutoTopicCreation: boolean;
  includeClusterAuthorizedOperations: boolean;
  includeTopicAuthorizedOperations: boolean;
}

export interface MetadataBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface MetadataPartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas: number[];
}

export interface MetadataTopic {
  errorCode: number;
  /** null only in v12+ (a topic asked for by an unknown id); written as '' before. */
  name: string | null;
  topicId: string;
  isInternal: boolean;
  partitions: MetadataPartition[];
  topicAuthorizedOperations: number;
}

export interface MetadataResponse {
  throttleTimeMs: number;
  brokers: MetadataBroker[];
  clusterId: string | null;
  controllerId: number;
  topics: MetadataTopic[];
  clusterAuthorizedOperations: number;
}

/** Kafka's "not computed" value of an authorized-operations bitfield (INT32_MIN). */
export const AUTHORIZED_OPERATIONS_OMITTED = -(2 ** 31);

const FLEXIBLE_FROM = 9;

function readInt32s(reader: KafkaReader, flexible: boolean, what: string): number[] {
  return reader.arrayOf(flexible, (r) => r.int32(what), what, 4);
}

function writeInt32s(writer: KafkaWriter, flexible: boolean, values: readonly number[]): void {
  writer.arrayOf(flexible, values, (w, value) => w.int32(value));
}

export const METADATA: KafkaApi<MetadataRequest, MetadataResponse> = {
  key: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 12,
  flexibleFrom: FLEXIBLE_FROM,

  decodeRequest(reader: KafkaReader, version: number): MetadataRequest {
    const flexible = version >= FLEXIBLE_FROM;
    const readTopic = (r: KafkaReader): MetadataRequestTopic => {
      const topicId = version >= 10 ? r.uuid('topic id') : ZERO_UUID;
      const name = version >= 10 ? r.nullableStringOf(flexible, 'topic name') : r.stringOf(flexible, 'topic name');
      if (flexible) r.taggedFields();
      return { topicId, name };
    };
    let topics: MetadataRequestTopic[] | null;
    if (version === 0) {
      const listed = reader.array(readTopic, 'topics', 2);
      topics = listed.length === 0 ? null : listed;
    } else {
      topics = reader.nullableArrayOf(flexible, readTopic, 'topics', version >= 10 ? 18 : 2);
    }
    const allowAutoTopicCreation = version >= 4 ? reader.bool('allow auto topic creation') : true;
    const includeClusterAuthorizedOperations = version >= 8 && version <= 10 ? reader.bool('include cluster authorized operations') : false;
    const includeTopicAuthorizedOperations = version >= 8 ? reader.bool('include topic authorized operations') : false;
    if (flexible) reader.taggedFields();
    return { topics, allowAutoTopicCreation, includeClusterAuthorizedOperations, includeTopicAuthorizedOperations };
  },

  encodeRequest(writer: KafkaWriter, version: number, request: MetadataRequest): void {
    const flexible = version >= FLEXIBLE_FROM;
    const writeTopic = (w: KafkaWriter, topic: MetadataRequestTopic) => {
      if (version >= 10) {
        w.uuid(topic.topicId);
        w.nullableStringOf(flexible, topic.name);
      } else {
        w.stringOf(flexible, topic.name ?? '');
      }
      if (flexible) w.taggedFields();
    };
    if (version === 0) writer.array(request.topics ?? [], writeTopic);
    else writer.nullableArrayOf(flexible, request.topics, writeTopic);
    if (version >= 4) writer.bool(request.allowAutoTopicCreation);
    if (version >= 8 && version <= 10) writer.bool(request.includeClusterAuthorizedOperations);
    if (version >= 8) writer.bool(request.includeTopicAuthorizedOperations);
    if (flexible) writer.taggedFields();
  },

  decodeResponse(reader: KafkaReader, version: number): MetadataResponse {
    const flexible = version >= FLEXIBLE_FROM;
    const throttleTimeMs = version >= 3 ? reader.int32('throttle time') : 0;
    const brokers = reader.arrayOf(
      flexible,
      (r): MetadataBroker => {
        const nodeId = r.int32('node id');
        const host = r.stringOf(flexible, 'host');
        const port = r.int32('port');
        const rack = version >= 1 ? r.nullableStringOf(flexible, 'rack') : null;
        if (flexible) r.taggedFields();
        return { nodeId, host, port, rack };
      },
      'brokers',
      10,
    );
    const clusterId = version >= 2 ? reader.nullableStringOf(flexible, 'cluster id') : null;
    const controllerId = version >= 1 ? reader.int32('controller id') : -1;
    const topics = reader.arrayOf(
      flexible,
      (r): MetadataTopic => {
        const errorCode = r.int16('error code');
        const name = version >= 12 ? r.nullableStringOf(flexible, 'topic name') : r.stringOf(flexible, 'topic name');
        const topicId = version >= 10 ? r.uuid('topic id') : ZERO_UUID;
        const isInternal = version >= 1 ? r.bool('is internal') : false;
        const partitions = r.arrayOf(
          flexible,
          (p): MetadataPartition => {
            const partitionErrorCode = p.int16('error code');
            const partitionIndex = p.int32('partition index');
            const leaderId = p.int32('leader id');
            const leaderEpoch = version >= 7 ? p.int32('leader epoch') : -1;
            const replicaNodes = readInt32s(p, flexible, 'replica nodes');
            const isrNodes = readInt32s(p, flexible, 'isr nodes');
            const offlineReplicas = version >= 5 ? readInt32s(p, flexible, 'offline replicas') : [];
            if (flexible) p.taggedFields();
            return { errorCode: partitionErrorCode, partitionIndex, leaderId, leaderEpoch, replicaNodes, isrNodes, offlineReplicas };
          },
          'partitions',
          10,
        );
        const topicAuthorizedOperations = version >= 8 ? r.int32('topic authorized operations') : AUTHORIZED_OPERATIONS_OMITTED;
        if (flexible) r.taggedFields();
        return { errorCode, name, topicId, isInternal, partitions, topicAuthorizedOperations };
      },
      'topics',
      4,
    );
    const clusterAuthorizedOperations = version >= 8 && version <= 10 ? reader.int32('cluster authorized operations') : AUTHORIZED_OPERATIONS_OMITTED;
    if (flexible) reader.taggedFields();
    return { throttleTimeMs, brokers, clusterId, controllerId, topics, clusterAuthorizedOperations };
  },

  encodeResponse(writer: KafkaWriter, version: number, response: MetadataResponse): void {
    const flexible = version >= FLEXIBLE_FROM;
    if (version >= 3) writer.int32(response.throttleTimeMs);
    writer.arrayOf(flexible, response.brokers, (w, broker) => {
      w.int32(broker.nodeId).stringOf(flexible, broker.host).int32(broker.port);
      if (version >= 1) w.nullableStringOf(flexible, broker.rack);
      if (flexible) w.taggedFields();
    });
    if (version >= 2) writer.nullableStringOf(flexible, response.clusterId);
    if (version >= 1) writer.int32(response.controllerId);
    writer.arrayOf(flexible, response.topics, (w, topic) => {
      w.int16(topic.errorCode);
      if (version >= 12) w.nullableStringOf(flexible, topic.name);
      else w.stringOf(flexible, topic.name ?? '');
      if (version >= 10) w.uuid(topic.topicId);
      if (version >= 1) w.bool(topic.isInternal);
      w.arrayOf(flexible, topic.partitions, (p, partition) => {
        p.int16(partition.errorCode).int32(partition.partitionIndex).int32(partition.leaderId);
        if (version >= 7) p.int32(partition.leaderEpoch);
        writeInt32s(p, flexible, partition.replicaNodes);
        writeInt32s(p, flexible, partition.isrNodes);
        if (version >= 5) writeInt32s(p, flexible, partition.offlineReplicas);
        if (flexible) p.taggedFields();
      });
      if (version >= 8) w.int32(topic.topicAuthorizedOperations);
      if (flexible) w.taggedFields();
    });
    if (version >= 8 && version <= 10) writer.int32(response.clusterAuthorizedOperations);
    if (flexible) writer.taggedFields();
  },
};
