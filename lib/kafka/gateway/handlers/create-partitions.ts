import * as z from 'zod/mini';
import { requireAccess } from '../../../auth/access-control';
import { AccessDeniedError } from '../../../auth/auth-errors';
import { TopicNotFoundError, ValidationError } from '../../../core/errors';
import { topicNameSchema } from '../../../protocol/identifiers';
import { LIMITS } from '../../../protocol/limits';
import { createPartitions, describeTopic } from '../../../topics/topic-service';
import { KAFKA_ERRORS } from '../../error-codes';
import type { CreatePartitionsRequest, CreatePartitionsResponse, CreatePartitionsTopic, CreatePartitionsTopicResult } from '../../messages/create-partitions';
import { requireCaller, type RequestContext } from '../session';
import { kafkaErrorOf } from './errors';
import { ADMIN_CONCURRENCY, mapBounded } from './map-bounded';

/**
 * CreatePartitions through lib/topics (the HTTP route's createPartitions), with its check:
 * ALTER on the topic (TOPIC_AUTHORIZATION_FAILED). A name Sluice could never hold is
 * UNKNOWN_TOPIC_OR_PARTITION without a storage read, as DeleteTopics answers it; so is an
 * unknown topic. The count is the new total: 1 to the platform's limit and more than the
 * current count (INVALID_PARTITIONS otherwise; partitions are only added).
 *
 * Assignments: Sluice has no brokers to place replicas on (every partition is S3's), so a
 * non-empty assignment list is INVALID_REPLICA_ASSIGNMENT, Kafka's code for an assignment
 * it cannot honour, rather than one silently ignored. Null and empty both mean "none":
 * kafkajs sends an empty list when given none.
 *
 * validateOnly runs every check against a fresh read of the topic and changes nothing.
 * The gateway has no watch connections to post to, so an HTTP consumer bound to one hears
 * of its group's rebalance at its next heartbeat. Each topic is answered on its own.
 */
export async function handleCreatePartitions(request: CreatePartitionsRequest, { session }: RequestContext): Promise<CreatePartitionsResponse> {
  const caller = requireCaller(session);
  const { ctx } = session;
  const counts = new Map<string, number>();
  for (const topic of request.topics) counts.set(topic.name, (counts.get(topic.name) ?? 0) + 1);
  const results = await mapBounded(request.topics, ADMIN_CONCURRENCY, raiseOne);
  return { throttleTimeMs: 0, results };

  async function raiseOne(topic: CreatePartitionsTopic): Promise<CreatePartitionsTopicResult> {
    const answer = (errorCode: number, errorMessage: string | null): CreatePartitionsTopicResult => ({ name: topic.name, errorCode, errorMessage });
    // Kafka refuses a request naming a topic twice for each of its entries.
    if (counts.get(topic.name)! > 1) return answer(KAFKA_ERRORS.INVALID_REQUEST, `topic '${topic.name}' is named more than once in the request`);
    if (!z.safeParse(topicNameSchema, topic.name).success) return answer(KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${topic.name}' does not exist`);
    try {
      await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic.name, operation: 'ALTER' });
      if (topic.assignments !== null && topic.assignments.length > 0) {
        return answer(KAFKA_ERRORS.INVALID_REPLICA_ASSIGNMENT, 'Sluice has no brokers to assign partitions to (every partition is stored in S3): send no assignments');
      }
      if (!Number.isInteger(topic.count) || topic.count < 1 || topic.count > LIMITS.partitionsMax) {
        return answer(KAFKA_ERRORS.INVALID_PARTITIONS, `count must be 1 to ${LIMITS.partitionsMax}, got ${topic.count}`);
      }
      if (request.validateOnly) {
        const current = await describeTopic(ctx, topic.name);
        if (topic.count <= current.partitions) return answer(KAFKA_ERRORS.INVALID_PARTITIONS, `count must be more than ${current.partitions}, the topic's partition count (partitions are only added, never removed)`);
        return answer(KAFKA_ERRORS.NONE, null);
      }
      await createPartitions(ctx, topic.name, topic.count);
      return answer(KAFKA_ERRORS.NONE, null);
    } catch (error) {
      if (error instanceof AccessDeniedError) return answer(KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, error.message);
      if (error instanceof TopicNotFoundError) return answer(KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION, error.message);
      // createPartitions' one ValidationError: the count is not above the current one.
      if (error instanceof ValidationError) return answer(KAFKA_ERRORS.INVALID_PARTITIONS, error.message);
      const { errorCode, message } = kafkaErrorOf(error);
      if (errorCode === KAFKA_ERRORS.UNKNOWN_SERVER_ERROR) session.log(`kafka create partitions of '${topic.name}' failed: ${(error as Error)?.stack ?? String(error)}`);
      return answer(errorCode, message);
    }
  }
}
