import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../../infra/local/bootstrap';
import type { SluiceContext } from '../../../lib/core/context';
import { GROUPS_TABLE } from '../../../lib/store/tables';

/**
 * A context whose Groups table is a fresh one of the same definition that no trigger
 * or schedule of the running platform watches: store tests write items with clocks of
 * their choosing, which the platform's coordinator and member sweep would otherwise act on.
 */
export async function withIsolatedGroupsTable(ctx: SluiceContext, suffix: string): Promise<SluiceContext> {
  const groups = `${ctx.tables.groups}-${suffix}`;
  const client = new DynamoDBClient({ region: process.env.AWS_REGION ?? 'us-east-1' });
  try {
    await ensureTable(client, GROUPS_TABLE, groups);
  } finally {
    client.destroy();
  }
  return { ...ctx, tables: { ...ctx.tables, groups } };
}
