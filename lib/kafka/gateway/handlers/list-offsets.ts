import * as z from 'zod/mini';
import { requireAccess } from '../../../auth/access-control';
import { listOffsets, offsetForTime } from '../../../log/list-offsets';
import { topicNameSchema } from '../../../protocol/identifiers';
import { KAFKA_ERRORS } from '../../error-codes';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type ListOffsetsPartitionResponse, type ListOffsetsRequest, type ListOffsetsResponse } from '../../messages/list-offsets';
import { requireCaller, type RequestContext } from '../session';
import { kafkaErrorOf } from './errors';

/** Sluice has no leader elections: every partition's leader epoch is 0 (as Metadata answers). */
const LEADER_EPOCH = 0;

/**
 * ListOffsets through lib/log/list-offsets: latest (-1) is the high watermark, earliest
 * (-2) the log start offset, any timestamp t >= 0 the first offset whose timestamp is at
 * least t (offsetForTime), or offset -1 when there is none. The answer's timestamp is
 * -1 for latest and earliest and t itself for a search (the found record's own
 * timestamp would take a batch read). DESCRIBE on the topic is required, as the HTTP
 * offsets route requires it (TOPIC_AUTHORIZATION_FAILED otherwise). IsolationLevel is
 * ignored: Sluice has no transactions, so the last stable offset is the high watermark.
 */
export async function handleListOffsets(request: ListOffsetsRequest, { session }: RequestContext): Promise<ListOffsetsResponse> {
  const caller = requireCaller(session);
  const { ctx } = session;
  const topics = await Promise.all(
    request.topics.map(async (topic) => {
      // A name Sluice could never hold is not looked up (it must not reach DynamoDB's key limits).
      if (!z.safeParse(topicNameSchema, topic.name).success) {
        return { name: topic.name, partitions: topic.partitions.map((p) => answer(p.partitionIndex, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION)) };
      }
      try {
        await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic.name, operation: 'DESCRIBE' });
      } catch (error) {
        const { errorCode } = kafkaErrorOf(error);
        return { name: topic.name, partitions: topic.partitions.map((p) => answer(p.partitionIndex, errorCode)) };
      }
      const partitions = await Promise.all(
        topic.partitions.map(async ({ partitionIndex, timestamp }): Promise<ListOffsetsPartitionResponse> => {
          try {
            if (timestamp === LATEST_TIMESTAMP || timestamp === EARLIEST_TIMESTAMP) {
              const offsets = await listOffsets(ctx, topic.name, partitionIndex);
              return answer(partitionIndex, KAFKA_ERRORS.NONE, -1, timestamp === LATEST_TIMESTAMP ? offsets.highWatermark : offsets.logStartOffset);
            }
            if (timestamp < 0) return answer(partitionIndex, KAFKA_ERRORS.INVALID_REQUEST);
            const found = await offsetForTime(ctx, topic.name, partitionIndex, timestamp);
            return found.offset === null ? answer(partitionIndex, KAFKA_ERRORS.NONE, -1, -1) : answer(partitionIndex, KAFKA_ERRORS.NONE, timestamp, found.offset);
          } catch (error) {
            const { errorCode } = kafkaErrorOf(error);
            if (errorCode === KAFKA_ERRORS.UNKNOWN_SERVER_ERROR) session.log(`kafka list offsets of '${topic.name}'/${partitionIndex} failed: ${(error as Error)?.stack ?? String(error)}`);
            return answer(partitionIndex, errorCode);
          }
        }),
      );
      return { name: topic.name, partitions };
    }),
  );
  return { throttleTimeMs: 0, topics };
}

function answer(partitionIndex: number, errorCode: number, timestamp = -1, offset = -1): ListOffsetsPartitionResponse {
  return { partitionIndex, errorCode, timestamp, offset, leaderEpoch: errorCode === KAFKA_ERRORS.NONE ? LEADER_EPOCH : -1 };
}
