import * as z from 'zod/mini';
import { requireAccess, topicVisibility } from '../../../auth/access-control';
import { AccessDeniedError } from '../../../auth/auth-errors';
import { committedOffsets } from '../../../groups/group-offsets';
import { topicNameSchema } from '../../../protocol/identifiers';
import type { CommittedOffset } from '../../../store/group-items';
import { KAFKA_ERRORS } from '../../error-codes';
import type { OffsetFetchPartition, OffsetFetchRequest, OffsetFetchRequestTopic, OffsetFetchResponse, OffsetFetchTopic } from '../../messages/offset-fetch';
import { requireCaller, type RequestContext, type Session } from '../session';
import { checkGroup } from './group-protocol';

/**
 * OffsetFetch answers Sluice's committed offsets of the group, the same ones HTTP
 * consumers commit and read: offset -1 (and empty metadata) for a partition without a
 * commit, which the client resolves with its own auto.offset.reset. Checks as the HTTP
 * offsets route (GET /v1/groups/{group}/offsets): DESCRIBE on the group
 * (GROUP_AUTHORIZATION_FAILED: the group's error from v2, each partition's in v1) and on
 * each named topic (TOPIC_AUTHORIZATION_FAILED for its partitions); asked for every
 * partition (null topics, v2+), the topics the caller may not describe are left out.
 * Commits are never pending (no transactions), so RequireStable changes nothing. v8
 * asks for several groups, each answered on its own.
 */
export async function handleOffsetFetch(request: OffsetFetchRequest, { session, header }: RequestContext): Promise<OffsetFetchResponse> {
  const caller = requireCaller(session);
  if (header.apiVersion >= 8) {
    const groups = await Promise.all(request.groups.map(async (g) => ({ groupId: g.groupId, ...(await fetchGroup(session, caller, g.groupId, g.topics)) })));
    return { throttleTimeMs: 0, topics: [], errorCode: KAFKA_ERRORS.NONE, groups };
  }
  const { topics, errorCode } = await fetchGroup(session, caller, request.groupId, request.topics);
  if (header.apiVersion < 2 && errorCode !== KAFKA_ERRORS.NONE) {
    // v1 has no group error: each partition carries it.
    return {
      throttleTimeMs: 0,
      topics: (request.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => partition(p, undefined, errorCode)) })),
      errorCode: KAFKA_ERRORS.NONE,
      groups: [],
    };
  }
  return { throttleTimeMs: 0, topics, errorCode, groups: [] };
}

async function fetchGroup(
  session: Session,
  caller: NonNullable<Session['caller']>,
  group: string,
  wanted: OffsetFetchRequestTopic[] | null,
): Promise<{ topics: OffsetFetchTopic[]; errorCode: number }> {
  const { ctx } = session;
  const groupCheck = await checkGroup(ctx, caller, group, 'DESCRIBE');
  if (groupCheck !== KAFKA_ERRORS.NONE) return { topics: [], errorCode: groupCheck };
  const commits = await committedOffsets(ctx, group);
  if (wanted === null) {
    const visible = await topicVisibility(ctx, caller);
    const byTopic = new Map<string, CommittedOffset[]>();
    for (const c of commits) if (visible(c.topic)) byTopic.set(c.topic, [...(byTopic.get(c.topic) ?? []), c]);
    return {
      topics: [...byTopic].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, list]) => ({ name, partitions: list.sort((a, b) => a.partition - b.partition).map((c) => partition(c.partition, c)) })),
      errorCode: KAFKA_ERRORS.NONE,
    };
  }
  const topics = await Promise.all(
    wanted.map(async (t): Promise<OffsetFetchTopic> => {
      let errorCode: number = KAFKA_ERRORS.NONE;
      if (!z.safeParse(topicNameSchema, t.name).success) errorCode = KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION;
      else {
        try {
          await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: t.name, operation: 'DESCRIBE' });
        } catch (error) {
          if (!(error instanceof AccessDeniedError)) throw error;
          errorCode = KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED;
        }
      }
      return {
        name: t.name,
        partitions: t.partitionIndexes.map((p) =>
          errorCode === KAFKA_ERRORS.NONE ? partition(p, commits.find((c) => c.topic === t.name && c.partition === p)) : partition(p, undefined, errorCode),
        ),
      };
    }),
  );
  return { topics, errorCode: KAFKA_ERRORS.NONE };
}

function partition(partitionIndex: number, commit: CommittedOffset | undefined, errorCode: number = KAFKA_ERRORS.NONE): OffsetFetchPartition {
  return { partitionIndex, committedOffset: commit?.offset ?? -1, committedLeaderEpoch: -1, metadata: commit?.metadata ?? '', errorCode };
}
