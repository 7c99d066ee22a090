import * as z from 'zod/mini';
import { requireAccess } from '../../../auth/access-control';
import { trimPartition, TRIM_TO_HIGH_WATERMARK } from '../../../log/trim-partition';
import { topicNameSchema } from '../../../protocol/identifiers';
import { KAFKA_ERRORS } from '../../error-codes';
import type { DeletedRecordsPartition, DeleteRecordsRequest, DeleteRecordsResponse } from '../../messages/delete-records';
import { requireCaller, type RequestContext } from '../session';
import { kafkaErrorOf } from './errors';

/**
 * DeleteRecords through lib/log/trim-partition, the HTTP trim route's code: DELETE on the
 * topic (TOPIC_AUTHORIZATION_FAILED otherwise), offset -1 for the high watermark, one past
 * it OFFSET_OUT_OF_RANGE. Each partition answers its low watermark (the log start) after
 * the trim, or -1 with its error. TimeoutMs is not waited on: the log start moves at once.
 */
export async function handleDeleteRecords(request: DeleteRecordsRequest, { session }: RequestContext): Promise<DeleteRecordsResponse> {
  const caller = requireCaller(session);
  const { ctx } = session;
  const topics = await Promise.all(
    request.topics.map(async (topic) => {
      const failed = (errorCode: number) => ({ name: topic.name, partitions: topic.partitions.map((p) => answer(p.partitionIndex, errorCode)) });
      // A name Sluice could never hold is not looked up (it must not reach DynamoDB's key limits).
      if (!z.safeParse(topicNameSchema, topic.name).success) return failed(KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION);
      try {
        await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic.name, operation: 'DELETE' });
      } catch (error) {
        return failed(kafkaErrorOf(error).errorCode);
      }
      const partitions = await Promise.all(
        topic.partitions.map(async ({ partitionIndex, offset }): Promise<DeletedRecordsPartition> => {
          if (offset < BigInt(TRIM_TO_HIGH_WATERMARK) || offset > BigInt(Number.MAX_SAFE_INTEGER)) return answer(partitionIndex, KAFKA_ERRORS.OFFSET_OUT_OF_RANGE);
          try {
            const trimmed = await trimPartition(ctx, topic.name, partitionIndex, Number(offset));
            return answer(partitionIndex, KAFKA_ERRORS.NONE, trimmed.logStartOffset);
          } catch (error) {
            const { errorCode } = kafkaErrorOf(error);
            if (errorCode === KAFKA_ERRORS.UNKNOWN_SERVER_ERROR) session.log(`kafka delete records of '${topic.name}'/${partitionIndex} failed: ${(error as Error)?.stack ?? String(error)}`);
            return answer(partitionIndex, errorCode);
          }
        }),
      );
      return { name: topic.name, partitions };
    }),
  );
  return { throttleTimeMs: 0, topics };
}

function answer(partitionIndex: number, errorCode: number, lowWatermark = -1): DeletedRecordsPartition {
  return { partitionIndex, errorCode, lowWatermark: BigInt(lowWatermark) };
}
