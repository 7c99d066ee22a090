import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { queryAll } from './batch-operations';

/**
 * The binding item of the Groups table, and every expression on it: one per watch
 * connection and group member bound to it (lib/groups/member-binding.ts), so that a
 * closing connection (`$disconnect`) finds its members with one Query.
 *
 *   pk = conn#<connectionId>   sk = bound#<group>#<memberId>
 *   connectionId, group, memberId, expiresAtSeconds (the table's TTL attribute)
 *
 * The member item (group-store.ts) says which connection a member is bound to and is the
 * one that counts; this item only points from the connection to it, so a stale one (the
 * member bound elsewhere since, left, or lapsed) is harmless: releasing through it is
 * conditional on the member item still naming this connection. Outside every group's
 * partition key, and its sort key never starts with `member#`, so the coordinator's
 * stream filter and the lapsed-member sweeps never see it. TTL removes one whose
 * `$disconnect` never came.
 */
const CONNECTION_KEY_PREFIX = 'conn#';
const BINDING_SORT_PREFIX = 'bound#';

export interface MemberBinding {
  connectionId: string;
  group: string;
  memberId: string;
}

function bindingKey(binding: MemberBinding): { pk: string; sk: string } {
  return { pk: CONNECTION_KEY_PREFIX + binding.connectionId, sk: `${BINDING_SORT_PREFIX}${binding.group}#${binding.memberId}` };
}

/** Writes (or rewrites) the binding item; TTL an hour after `expiresAt`. */
export async function putBinding(ctx: SluiceContext, binding: MemberBinding, expiresAt: number): Promise<void> {
  await ctx.ddb.send(
    new PutCommand({
      TableName: ctx.tables.groups,
      Item: { ...bindingKey(binding), connectionId: binding.connectionId, group: binding.group, memberId: binding.memberId, expiresAtSeconds: Math.ceil(expiresAt / 1000) + 3600 },
    }),
  );
}

/** Every member bound to the connection (strongly consistent: a bind just answered is found). */
export async function queryBindings(ctx: SluiceContext, connectionId: string): Promise<MemberBinding[]> {
  const items = await queryAll(ctx, {
    TableName: ctx.tables.groups,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': CONNECTION_KEY_PREFIX + connectionId, ':prefix': BINDING_SORT_PREFIX },
    ConsistentRead: true,
  });
  return items.map((item) => ({ connectionId: String(item.connectionId), group: String(item.group), memberId: String(item.memberId) }));
}

export async function deleteBinding(ctx: SluiceContext, binding: MemberBinding): Promise<void> {
  await ctx.ddb.send(new DeleteCommand({ TableName: ctx.tables.groups, Key: bindingKey(binding) }));
}
