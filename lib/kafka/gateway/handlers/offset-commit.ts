import * as z from 'zod/mini';
import { requireAccess } from '../../../auth/access-control';
import { AccessDeniedError } from '../../../auth/auth-errors';
import { commitOffsets } from '../../../groups/group-offsets';
import { topicNameSchema } from '../../../protocol/identifiers';
import { LIMITS } from '../../../protocol/limits';
import { cachedTopic } from '../../../topics/topic-repository';
import { KAFKA_ERRORS } from '../../error-codes';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../messages/offset-commit';
import { requireCaller, type RequestContext } from '../session';
import { checkGroup, groupErrorCode, isPossibleMemberId } from './group-protocol';
import { kafkaErrorOf } from './errors';

/** The HTTP commit's bound on an offset's metadata (lib/protocol/requests.ts); Kafka's own default is 4096 bytes. */
const METADATA_MAX_CHARS = 1024;

/**
 * OffsetCommit is Sluice's commit (lib/groups/group-offsets), fenced by the generation: a
 * member's commit is written only while its generation is current, its lease unexpired
 * and every partition its own, in the transaction that writes the offsets. A commit
 * without a membership (generation -1 and an empty member id; every v0 commit) is a
 * standalone consumer's, allowed only while the group has no live members, as Sluice's
 * rule says (UNKNOWN_MEMBER_ID otherwise). Checks in the HTTP route's order: READ on the
 * group (GROUP_AUTHORIZATION_FAILED for every partition), READ on each topic
 * (TOPIC_AUTHORIZATION_FAILED for its partitions), the topic and partition
 * (UNKNOWN_TOPIC_OR_PARTITION), then the commit. A refused partition does not stop the
 * others. Sluice commits at most LIMITS.offsetCommitsMax offsets per transaction; a
 * bigger request is committed in several, each fenced alike (a rebalance between them
 * refuses the rest).
 */
export async function handleOffsetCommit(request: OffsetCommitRequest, { session }: RequestContext): Promise<OffsetCommitResponse> {
  const caller = requireCaller(session);
  const { ctx } = session;
  const group = request.groupId;
  const errors = new Map<string, number>();
  const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  const setAll = (topic: OffsetCommitRequest['topics'][number], errorCode: number) => {
    for (const p of topic.partitions) if (!errors.has(key(topic.name, p.partitionIndex))) errors.set(key(topic.name, p.partitionIndex), errorCode);
  };
  const respond = (): OffsetCommitResponse => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errors.get(key(t.name, p.partitionIndex)) ?? KAFKA_ERRORS.NONE })) })),
  });

  const groupCheck = await checkGroup(ctx, caller, group, 'READ');
  if (groupCheck !== KAFKA_ERRORS.NONE) {
    for (const topic of request.topics) setAll(topic, groupCheck);
    return respond();
  }
  const offsets: { topic: string; partition: number; offset: number; metadata?: string }[] = [];
  for (const topic of request.topics) {
    if (!z.safeParse(topicNameSchema, topic.name).success) {
      setAll(topic, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION);
      continue;
    }
    try {
      await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic.name, operation: 'READ' });
      const { partitions } = await cachedTopic(ctx, topic.name);
      for (const p of topic.partitions) {
        const at = key(topic.name, p.partitionIndex);
        if (errors.has(at)) continue;
        if (p.partitionIndex < 0 || p.partitionIndex >= partitions) errors.set(at, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION);
        else if (p.committedOffset < 0 || !Number.isSafeInteger(p.committedOffset)) errors.set(at, KAFKA_ERRORS.INVALID_REQUEST);
        else if ((p.committedMetadata ?? '').length > METADATA_MAX_CHARS) errors.set(at, KAFKA_ERRORS.OFFSET_METADATA_TOO_LARGE);
        else if (offsets.some((o) => o.topic === topic.name && o.partition === p.partitionIndex)) errors.set(at, KAFKA_ERRORS.INVALID_REQUEST);
        else offsets.push({ topic: topic.name, partition: p.partitionIndex, offset: p.committedOffset, ...(p.committedMetadata ? { metadata: p.committedMetadata } : {}) });
      }
    } catch (error) {
      setAll(topic, error instanceof AccessDeniedError ? KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED : kafkaErrorOf(error).errorCode);
    }
  }

  const standalone = request.memberId === '' && request.generationId < 0;
  if (!standalone && (request.generationId < 0 || !isPossibleMemberId(request.memberId))) {
    const errorCode = request.generationId < 0 ? KAFKA_ERRORS.ILLEGAL_GENERATION : KAFKA_ERRORS.UNKNOWN_MEMBER_ID;
    for (const o of offsets) errors.set(key(o.topic, o.partition), errorCode);
    return respond();
  }
  const member = standalone ? undefined : { memberId: request.memberId, generation: request.generationId };
  for (let i = 0; i < offsets.length; i += LIMITS.offsetCommitsMax) {
    const chunk = offsets.slice(i, i + LIMITS.offsetCommitsMax);
    try {
      await commitOffsets(ctx, group, { member, offsets: chunk });
    } catch (error) {
      const errorCode = groupErrorCode(error);
      if (errorCode === KAFKA_ERRORS.UNKNOWN_SERVER_ERROR) session.log(`kafka offset commit of '${group}' failed: ${(error as Error)?.stack ?? String(error)}`);
      for (const o of offsets.slice(i)) errors.set(key(o.topic, o.partition), errorCode);
      break;
    }
  }
  return respond();
}
