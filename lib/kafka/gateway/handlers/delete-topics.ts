import * as z from 'zod/mini';
import { requireAccess, topicVisibility } from '../../../auth/access-control';
import { AccessDeniedError } from '../../../auth/auth-errors';
import { TopicNotFoundError } from '../../../core/errors';
import { topicNameSchema } from '../../../protocol/identifiers';
import type { Topic } from '../../../protocol/responses';
import { deleteTopic, listTopics } from '../../../topics/topic-service';
import { KAFKA_ERRORS } from '../../error-codes';
import type { DeletableTopicResult, DeleteTopicsRequest, DeleteTopicsResponse } from '../../messages/delete-topics';
import { kafkaTopicId, ZERO_UUID } from '../../wire/uuid';
import { requireCaller, type RequestContext } from '../session';
import { kafkaErrorOf } from './errors';
import { ADMIN_CONCURRENCY, mapBounded } from './map-bounded';

/**
 * DeleteTopics through lib/topics, with the HTTP route's check (DELETE on the topic:
 * TOPIC_AUTHORIZATION_FAILED). A name Sluice could never hold is
 * UNKNOWN_TOPIC_OR_PARTITION without a storage read, as in Metadata; an unknown topic
 * the same (UNKNOWN_TOPIC_ID when named by id, v6+). A topic asked by id that the caller
 * may not describe is TOPIC_AUTHORIZATION_FAILED without its name, as Metadata answers
 * it. The delete is Sluice's: the records are unreachable at once, the cleanup trigger
 * removes them afterwards. Each topic is answered on its own.
 */
export async function handleDeleteTopics(request: DeleteTopicsRequest, { session }: RequestContext): Promise<DeleteTopicsResponse> {
  const caller = requireCaller(session);
  const { ctx } = session;
  const keyOf = (t: { name: string | null; topicId: string }) => t.name ?? `id:${t.topicId}`;
  const counts = new Map<string, number>();
  for (const topic of request.topics) counts.set(keyOf(topic), (counts.get(keyOf(topic)) ?? 0) + 1);
  let everyTopic: Promise<Topic[]> | undefined;
  const responses = await mapBounded(request.topics, ADMIN_CONCURRENCY, deleteOne);
  return { throttleTimeMs: 0, responses };

  async function deleteOne(wanted: { name: string | null; topicId: string }): Promise<DeletableTopicResult> {
    const answer = (errorCode: number, errorMessage: string | null, name = wanted.name, topicId = wanted.topicId) => ({ name, topicId, errorCode, errorMessage });
    if (counts.get(keyOf(wanted))! > 1) return answer(KAFKA_ERRORS.INVALID_REQUEST, 'the topic is named more than once in the request');
    let name = wanted.name;
    const byId = name === null;
    try {
      if (name === null) {
        everyTopic ??= listTopics(ctx);
        const topic = wanted.topicId === ZERO_UUID ? undefined : (await everyTopic).find((t) => kafkaTopicId(t.topicId) === wanted.topicId);
        if (!topic) return answer(KAFKA_ERRORS.UNKNOWN_TOPIC_ID, `no topic has id ${wanted.topicId}`);
        if (!(await topicVisibility(ctx, caller))(topic.name)) return answer(KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, 'not authorized');
        name = topic.name;
      } else if (!z.safeParse(topicNameSchema, name).success) {
        return answer(KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist`);
      }
      await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: name, operation: 'DELETE' });
      const deleted = await deleteTopic(ctx, name);
      return answer(KAFKA_ERRORS.NONE, null, name, wanted.topicId === ZERO_UUID ? ZERO_UUID : kafkaTopicId(deleted.topicId));
    } catch (error) {
      if (error instanceof AccessDeniedError) return answer(KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, error.message, byId ? null : name);
      if (error instanceof TopicNotFoundError) return answer(byId ? KAFKA_ERRORS.UNKNOWN_TOPIC_ID : KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION, error.message);
      const { errorCode, message } = kafkaErrorOf(error);
      if (errorCode === KAFKA_ERRORS.UNKNOWN_SERVER_ERROR) session.log(`kafka delete topic '${name ?? wanted.topicId}' failed: ${(error as Error)?.stack ?? String(error)}`);
      return answer(errorCode, message);
    }
  }
}
