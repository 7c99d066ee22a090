import * as z from 'zod/mini';
import { topicVisibility } from '../../../auth/access-control';
import { TopicNotFoundError } from '../../../core/errors';
import { topicNameSchema } from '../../../protocol/identifiers';
import type { Topic } from '../../../protocol/responses';
import { cachedTopic } from '../../../topics/topic-repository';
import { listTopics } from '../../../topics/topic-service';
import { KAFKA_ERRORS } from '../../error-codes';
import { AUTHORIZED_OPERATIONS_OMITTED, type MetadataRequest, type MetadataResponse, type MetadataTopic } from '../../messages/metadata';
import { ZERO_UUID, kafkaTopicId } from '../../wire/uuid';
import { clusterIdFor, requireCaller, type RequestContext } from '../session';
import { rememberTopicId, topicNamesByIds } from '../topic-ids';

/** Sluice has no leader elections: every head's leaderEpoch is 0 (docs/design.md, "Leader epochs"). */
const LEADER_EPOCH = 0;

/**
 * Metadata: this gateway is the only broker and the leader (and only replica) of every
 * partition of every topic. Topics come from lib/topics; a topic the caller may not
 * DESCRIBE is left out of "every topic" and answered TOPIC_AUTHORIZATION_FAILED when
 * named, whether it exists or not (as the HTTP API's 403). An unknown topic is
 * UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID when asked by id): the gateway never
 * creates topics, whatever AllowAutoTopicCreation says. Ids asked are looked up, and
 * ids described remembered, through gateway/topic-ids.ts (as Fetch v13+ finds them).
 * Authorized-operation bitfields are not computed (Kafka's "omitted" value).
 */
export async function handleMetadata(request: MetadataRequest, { session }: RequestContext): Promise<MetadataResponse> {
  const caller = requireCaller(session);
  const { ctx, broker } = session;
  const visible = await topicVisibility(ctx, caller);
  let topics: MetadataTopic[];
  if (request.topics === null) {
    const all = await listTopics(ctx);
    topics = all.filter((topic) => visible(topic.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(describe);
  } else {
    let names: Promise<Map<string, string | null>> | undefined;
    const seen = new Set<string>();
    topics = [];
    for (const wanted of request.topics) {
      const key = wanted.name ?? `id:${wanted.topicId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (wanted.name !== null) {
        topics.push(await byName(wanted.name));
      } else {
        // Every id asked is looked up at once (at most one scan, none for ids remembered).
        names ??= topicNamesByIds(ctx, request.topics.filter((t) => t.name === null).map((t) => t.topicId));
        const name = (await names).get(wanted.topicId.toLowerCase()) ?? null;
        if (name === null) topics.push(failed(KAFKA_ERRORS.UNKNOWN_TOPIC_ID, null, wanted.topicId));
        else if (!visible(name)) topics.push(failed(KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, null, wanted.topicId));
        else topics.push(await byId(name, wanted.topicId));
      }
    }
  }
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: broker.nodeId, host: broker.host, port: broker.port, rack: null }],
    clusterId: clusterIdFor(ctx.bucket),
    controllerId: broker.nodeId,
    topics,
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };

  async function byName(name: string): Promise<MetadataTopic> {
    // A name Sluice could never hold is not looked up (it must not reach DynamoDB's key limits).
    if (!z.safeParse(topicNameSchema, name).success) return failed(KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION, name);
    if (!visible(name)) return failed(KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, name);
    try {
      return describe(await cachedTopic(ctx, name));
    } catch (error) {
      if (error instanceof TopicNotFoundError) return failed(KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION, name);
      // Storage trouble: a retriable error for this topic; the client asks again.
      session.log(`metadata: reading topic '${name}' failed: ${(error as Error).message}`);
      return failed(KAFKA_ERRORS.LEADER_NOT_AVAILABLE, name);
    }
  }

  async function byId(name: string, topicId: string): Promise<MetadataTopic> {
    try {
      return describe(await cachedTopic(ctx, name));
    } catch (error) {
      // Deleted since its id was looked up.
      if (error instanceof TopicNotFoundError) return failed(KAFKA_ERRORS.UNKNOWN_TOPIC_ID, null, topicId);
      session.log(`metadata: reading topic '${name}' failed: ${(error as Error).message}`);
      return failed(KAFKA_ERRORS.LEADER_NOT_AVAILABLE, null, topicId);
    }
  }

  function describe(topic: Topic): MetadataTopic {
    // Clients learn ids here, then fetch by id (Fetch v13+): remembering them spares that fetch a scan.
    rememberTopicId(ctx, topic);
    return {
      errorCode: KAFKA_ERRORS.NONE,
      name: topic.name,
      topicId: kafkaTopicId(topic.topicId),
      isInternal: false,
      partitions: Array.from({ length: topic.partitions }, (_, partitionIndex) => ({
        errorCode: KAFKA_ERRORS.NONE,
        partitionIndex,
        leaderId: broker.nodeId,
        leaderEpoch: LEADER_EPOCH,
        replicaNodes: [broker.nodeId],
        isrNodes: [broker.nodeId],
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    };
  }
}

function failed(errorCode: number, name: string | null, topicId = ZERO_UUID): MetadataTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}
