import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { rebalance } from '../../lib/groups/coordinator';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { observability } from '../middleware/observability';

/**
 * Groups stream, member INSERT and REMOVE events (joins, leaves, lapsed leases): computes
 * each touched group's next generation once per batch. A failure is reported for every
 * record of that group, so the retry covers exactly the groups not yet rebalanced.
 */
async function main(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const ctx = contextFromEnv();
  const byGroup = new Map<string, string[]>();
  for (const record of event.Records) {
    const pk = record.dynamodb?.Keys?.pk?.S;
    if (!pk?.startsWith('group#')) continue;
    const group = pk.slice('group#'.length);
    byGroup.set(group, [...(byGroup.get(group) ?? []), record.dynamodb?.SequenceNumber ?? '']);
  }
  const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
  for (const [group, sequenceNumbers] of byGroup) {
    try {
      const outcome = await rebalance(ctx, group);
      console.log(JSON.stringify({ level: 'INFO', message: 'rebalance', ...outcome }));
    } catch (error) {
      console.error(JSON.stringify({ level: 'ERROR', message: 'rebalance failed', group, error: String(error) }));
      for (const itemIdentifier of sequenceNumbers) batchItemFailures.push({ itemIdentifier });
    }
  }
  return { batchItemFailures };
}

export const handler = middy(main).use(observability());
