import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { rebalance, type RebalanceOutcome } from '../../lib/groups/coordinator';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { groupOfStreamKey } from '../../lib/store/group-items';
import { log, observability } from '../middleware/observability';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

/**
 * Groups stream, member INSERT and REMOVE events (joins, leaves, lapsed leases): computes
 * each touched group's next generation once per batch. Every record of a group shares its
 * one rebalance, so a failure is reported for every record of that group and the retry
 * covers exactly the groups not yet rebalanced.
 */
async function main(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  const ctx = contextFromEnv();
  const rebalances = new Map<string, Promise<RebalanceOutcome>>();
  const rebalanceOnce = (group: string): Promise<RebalanceOutcome> => {
    let pending = rebalances.get(group);
    if (!pending) {
      pending = rebalance(ctx, group).then(
        (outcome) => (log({ level: 'INFO', message: 'rebalance', ...outcome }), outcome),
        (error: unknown) => {
          log({ level: 'ERROR', message: 'rebalance failed', group, error: String(error) });
          throw error;
        },
      );
      rebalances.set(group, pending);
    }
    return pending;
  };
  const onRecord = async (record: DynamoDBRecord): Promise<void> => {
    const group = groupOfStreamKey(record.dynamodb?.Keys);
    if (group !== undefined) await rebalanceOnce(group);
  };
  // In order, one group at a time as before; all records failing is reported, not thrown.
  return processPartialResponse(event, onRecord, processor, { context, processInParallel: false, throwOnFullBatchFailure: false });
}

export const handler = middy(main).use(observability());
