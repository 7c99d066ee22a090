import middy from '@middy/core';
import { expireLapsedMembersEverywhere } from '../../lib/groups/expire-members';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { log, observability } from '../middleware/observability';

/** Scheduled: removes members whose leases lapsed; their REMOVE events make the coordinator rebalance. */
async function main(): Promise<{ scanned: number; expired: number }> {
  const outcome = await expireLapsedMembersEverywhere(contextFromEnv());
  log({ level: 'INFO', message: 'expired group members', ...outcome });
  return outcome;
}

export const handler = middy(main).use(observability());
