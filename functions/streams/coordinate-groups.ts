import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { rebalance, type RebalanceOutcome } from '../../lib/groups/coordinator';
import { noticeRebalance } from '../../lib/groups/member-binding';
import type { SluiceContext } from '../../lib/core/context';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { connectionPosterFromEnv } from '../../lib/store/connection-poster';
import { groupOfStreamKey } from '../../lib/store/group-items';
import { log, observability } from '../middleware/observability';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

/**
 * Groups stream, member INSERT and REMOVE events (joins, leaves, lapsed leases): computes
 * each touched group's next generation once per batch. Every record of a group shares its
 * one rebalance, so a failure is reported for every record of that group and the retry
 * covers exactly the groups not yet rebalanced. After writing a generation it posts
 * `rebalance` to the group's members bound to a watch connection (lib/groups/member-binding),
 * best effort: a failed post is logged, never retried through the batch.
 */
async function main(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  const ctx = contextFromEnv();
  const rebalances = new Map<string, Promise<RebalanceOutcome>>();
  const rebalanceOnce = (group: string): Promise<RebalanceOutcome> => {
    let pending = rebalances.get(group);
    if (!pending) {
      pending = rebalance(ctx, group).then(
        async (outcome) => {
          log({ level: 'INFO', message: 'rebalance', ...outcome });
          if (outcome.changed) await tellBoundMembers(ctx, outcome);
          return outcome;
        },
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

/** Posts the new generation to the group's bound members; never throws (the generation is written either way). */
async function tellBoundMembers(ctx: SluiceContext, outcome: RebalanceOutcome): Promise<void> {
  const poster = connectionPosterFromEnv();
  if (!poster) return; // no watch API deployed: nobody can be bound
  try {
    const { notified, gone, failed } = await noticeRebalance(ctx, poster, outcome.group, outcome.generation);
    if (notified + gone > 0) log({ level: 'INFO', message: 'rebalance notices', group: outcome.group, generation: outcome.generation, notified, gone });
    for (const error of failed) log({ level: 'WARN', message: 'rebalance notice failed', group: outcome.group, generation: outcome.generation, error: String(error) });
  } catch (error) {
    log({ level: 'WARN', message: 'rebalance notices failed', group: outcome.group, generation: outcome.generation, error: String(error) });
  }
}

export const handler = middy(main).use(observability());
