import * as z from 'zod/mini';
import { requireAccess } from '../../../auth/access-control';
import { AccessDeniedError } from '../../../auth/auth-errors';
import { TopicExistsError } from '../../../core/errors';
import { topicNameSchema } from '../../../protocol/identifiers';
import { LIMITS } from '../../../protocol/limits';
import { topicExists } from '../../../topics/topic-repository';
import { createTopic } from '../../../topics/topic-service';
import { KAFKA_ERRORS } from '../../error-codes';
import type { CreatableTopic, CreatableTopicResult, CreatedTopicConfig, CreateTopicsRequest, CreateTopicsResponse } from '../../messages/create-topics';
import { CONFIG_SOURCE } from '../../messages/describe-configs';
import { kafkaTopicId, ZERO_UUID } from '../../wire/uuid';
import { requireCaller, type RequestContext } from '../session';
import { describeTopicConfig, sluiceTopicConfig } from '../topic-configs';
import { kafkaErrorOf } from './errors';
import { ADMIN_CONCURRENCY, mapBounded } from './map-bounded';

/** Kafka's num.partitions default, and the HTTP API's. */
const DEFAULT_PARTITIONS = 1;
/** What the gateway reports: Sluice's durability is S3's, not replicas (docs/design.md, "Admin APIs"). */
const REPLICATION_FACTOR = 1;

/**
 * CreateTopics through lib/topics, with the HTTP route's checks in its order: the name
 * (INVALID_TOPIC_EXCEPTION), CREATE on the topic (TOPIC_AUTHORIZATION_FAILED), then the
 * rest: partitions 1-256, -1 for the default 1 (INVALID_PARTITIONS); a replication
 * factor of -1 or any positive number, reported as 1 (INVALID_REPLICATION_FACTOR
 * otherwise); a manual assignment names partitions 0..n-1 once each, and only with
 * both counts -1 (INVALID_REPLICA_ASSIGNMENT, INVALID_REQUEST); configs as
 * topic-configs.ts maps them (INVALID_CONFIG). An existing topic is
 * TOPIC_ALREADY_EXISTS. validateOnly runs every check, existence included, and creates
 * nothing. Each topic is answered on its own; one refused does not stop the others.
 */
export async function handleCreateTopics(request: CreateTopicsRequest, { session }: RequestContext): Promise<CreateTopicsResponse> {
  const caller = requireCaller(session);
  const { ctx } = session;
  const counts = new Map<string, number>();
  for (const topic of request.topics) counts.set(topic.name, (counts.get(topic.name) ?? 0) + 1);
  const topics = await mapBounded(request.topics, ADMIN_CONCURRENCY, createOne);
  return { throttleTimeMs: 0, topics };

  async function createOne(topic: CreatableTopic): Promise<CreatableTopicResult> {
    const refuse = (errorCode: number, errorMessage: string): CreatableTopicResult => ({
      name: topic.name,
      topicId: ZERO_UUID,
      errorCode,
      errorMessage,
      topicConfigErrorCode: KAFKA_ERRORS.NONE,
      numPartitions: -1,
      replicationFactor: -1,
      configs: [],
    });
    // Kafka refuses a request naming a topic twice for each of its entries.
    if (counts.get(topic.name)! > 1) return refuse(KAFKA_ERRORS.INVALID_REQUEST, `topic '${topic.name}' is named more than once in the request`);
    const name = z.safeParse(topicNameSchema, topic.name);
    if (!name.success) return refuse(KAFKA_ERRORS.INVALID_TOPIC_EXCEPTION, `topic name ${name.error.issues[0]!.message}`);
    try {
      await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic.name, operation: 'CREATE' });
    } catch (error) {
      if (error instanceof AccessDeniedError) return refuse(KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, error.message);
      return failed(error);
    }
    let partitions: number;
    if (topic.assignments.length > 0) {
      if (topic.numPartitions !== -1 || topic.replicationFactor !== -1) return refuse(KAFKA_ERRORS.INVALID_REQUEST, 'a manual assignment needs partitions and replication factor of -1');
      const indexes = new Set(topic.assignments.map((a) => a.partitionIndex));
      if (indexes.size !== topic.assignments.length || [...indexes].some((i) => i < 0 || i >= topic.assignments.length)) {
        return refuse(KAFKA_ERRORS.INVALID_REPLICA_ASSIGNMENT, 'a manual assignment must name partitions 0 to n-1, each once');
      }
      partitions = topic.assignments.length;
    } else {
      partitions = topic.numPartitions === -1 ? DEFAULT_PARTITIONS : topic.numPartitions;
    }
    if (partitions < 1 || partitions > LIMITS.partitionsMax) return refuse(KAFKA_ERRORS.INVALID_PARTITIONS, `partitions must be 1 to ${LIMITS.partitionsMax} (or -1 for ${DEFAULT_PARTITIONS}), got ${partitions}`);
    if (topic.replicationFactor === 0 || topic.replicationFactor < -1) {
      return refuse(KAFKA_ERRORS.INVALID_REPLICATION_FACTOR, `replication factor must be -1 or positive (Sluice stores every partition in S3 and reports ${REPLICATION_FACTOR}), got ${topic.replicationFactor}`);
    }
    const mapped = sluiceTopicConfig(topic.configs);
    if ('problem' in mapped) return refuse(KAFKA_ERRORS.INVALID_CONFIG, mapped.problem);
    const created = (topicId: string): CreatableTopicResult => ({
      name: topic.name,
      topicId,
      errorCode: KAFKA_ERRORS.NONE,
      errorMessage: null,
      topicConfigErrorCode: KAFKA_ERRORS.NONE,
      numPartitions: partitions,
      replicationFactor: REPLICATION_FACTOR,
      configs: describeTopicConfig(mapped.config).map(
        (entry): CreatedTopicConfig => ({ name: entry.name, value: entry.value, readOnly: entry.readOnly, configSource: entry.isDefault ? CONFIG_SOURCE.DEFAULT_CONFIG : CONFIG_SOURCE.TOPIC_CONFIG, isSensitive: false }),
      ),
    });
    try {
      if (request.validateOnly) {
        if (await topicExists(ctx, topic.name)) return refuse(KAFKA_ERRORS.TOPIC_ALREADY_EXISTS, `Topic '${topic.name}' already exists`);
        return created(ZERO_UUID);
      }
      const made = await createTopic(ctx, { name: topic.name, partitions, config: mapped.config });
      return created(kafkaTopicId(made.topicId));
    } catch (error) {
      if (error instanceof TopicExistsError) return refuse(KAFKA_ERRORS.TOPIC_ALREADY_EXISTS, error.message);
      return failed(error);
    }

    function failed(error: unknown): CreatableTopicResult {
      const { errorCode, message } = kafkaErrorOf(error);
      if (errorCode === KAFKA_ERRORS.UNKNOWN_SERVER_ERROR) session.log(`kafka create topic '${topic.name}' failed: ${(error as Error)?.stack ?? String(error)}`);
      return refuse(errorCode, message);
    }
  }
}
