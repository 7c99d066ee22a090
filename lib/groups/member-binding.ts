import { requireAccess, type Caller } from '../auth/access-control';
import type { SluiceContext } from '../core/context';
import { SluiceError } from '../core/errors';
import { WATCH_BOUND_LEASE_MS, type BindRequest, type WatchRebalanceMessage, type WatchServerMessage } from '../protocol/watch';
import type { ConnectionPoster } from '../store/connection-poster';
import { bindMemberLease, readMembers, readMeta, releaseMemberBinding } from '../store/group-store';
import { deleteBinding, putBinding, queryBindings, type MemberBinding } from '../store/member-binding-store';
import { transientStorageCause } from '../store/storage-errors';
import { watchErrorOf } from '../watch/watch-errors';
import { UnknownMemberError } from './group-errors';

/**
 * Group membership kept by a member's watch connection instead of HTTP heartbeats
 * (docs/design.md, "Consumer groups"): binding gives the member a lease that outlives the
 * connection (`WATCH_BOUND_LEASE_MS`, bound again on every new connection), the
 * coordinator posts `rebalance` to bound members when it writes a generation, and a
 * closing connection (`$disconnect`, or a post answered 410) starts each bound member's
 * session timeout, as a last heartbeat would.
 */

/**
 * The `bind` message: authorizes READ on the group (as a heartbeat), writes the binding
 * item and then binds the member item (so a member bound to a connection always has an
 * item the connection's `$disconnect` finds), then reads the group's generation. Reading
 * it after the write is what makes a rebalance never go unheard: a coordinator that
 * writes a generation after this read then reads the members (`noticeRebalance`) and
 * finds this binding; one that wrote before it shows in the `bound` answer, and the
 * client heartbeats when that generation is not its own. A refusal is a `watch-error`
 * naming the group and member.
 */
export async function bindMember(ctx: SluiceContext, caller: Caller, connectionId: string, request: BindRequest): Promise<WatchServerMessage[]> {
  const binding: MemberBinding = { connectionId, group: request.group, memberId: request.memberId };
  try {
    await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: binding.group, operation: 'READ' });
    const now = ctx.now();
    await putBinding(ctx, binding, now + WATCH_BOUND_LEASE_MS);
    if (!(await bindMemberLease(ctx, binding, WATCH_BOUND_LEASE_MS, now))) {
      await deleteBinding(ctx, binding);
      throw new UnknownMemberError(binding.group, binding.memberId);
    }
    const meta = await readMeta(ctx, binding.group);
    return [{ type: 'bound', group: binding.group, memberId: binding.memberId, generation: meta?.generation ?? 0 }];
  } catch (error) {
    if (!(error instanceof SluiceError)) throw error;
    return [{ ...watchErrorOf(error), group: binding.group, memberId: binding.memberId }];
  }
}

/**
 * A watch connection closed (`$disconnect`): for each member bound to it, removes the
 * binding and starts its session timeout, only if it is still bound to this connection
 * (one that bound again on a new connection keeps that binding), then deletes the
 * binding item. A member that binds again within its session timeout keeps its
 * membership; one that does not lapses and is swept as any other.
 */
export async function releaseConnection(ctx: SluiceContext, connectionId: string, closedAt = ctx.now()): Promise<{ bindings: number; released: number }> {
  const bindings = await queryBindings(ctx, connectionId);
  // The session timeout runs from when the connection closed, not from when this ran: a release
  // delayed by a storage outage must not give a member that is gone a fresh session.
  const from = Math.min(closedAt, ctx.now());
  let released = 0;
  for (const binding of bindings) {
    if (await releaseMemberBinding(ctx, binding, from)) released++;
    await deleteBinding(ctx, binding);
  }
  return { bindings: bindings.length, released };
}

/** How long `$disconnect` keeps trying to release its members through a storage outage: inside a WebSocket integration's 29 s. */
export const RELEASE_RETRY_MS = 25_000;

/**
 * `releaseConnection`, tried again through transient storage failures (throttles, a store
 * unreachable) for up to `retryMs`, waiting 200 ms, doubling to 1 s, so a member is
 * released within about a second of the store coming back. API Gateway runs
 * `$disconnect` once and never again: a release lost to a short outage would leave its
 * members bound, holding their partitions, until their bound lease lapses hours later.
 * Releasing is idempotent (conditional on the binding, then a delete), so a retry after a
 * partial release is safe. Anything else, or an outage longer than `retryMs`, is thrown.
 */
export async function releaseConnectionRetrying(
  ctx: SluiceContext,
  connectionId: string,
  closedAt = ctx.now(),
  retryMs = RELEASE_RETRY_MS,
): Promise<{ bindings: number; released: number; attempts: number }> {
  const deadline = ctx.now() + retryMs;
  for (let attempt = 1, waitMs = 200; ; attempt++, waitMs = Math.min(waitMs * 2, 1_000)) {
    try {
      return { ...(await releaseConnection(ctx, connectionId, closedAt)), attempts: attempt };
    } catch (error) {
      if (!transientStorageCause(error as Error) || ctx.now() + waitMs > deadline) throw error;
      await ctx.sleep(waitMs);
    }
  }
}

/**
 * After the coordinator wrote `generation`: posts `rebalance` to every member of the
 * group bound to a connection, read (strongly consistent) after that write, so a member
 * that bound before it is found (see `bindMember` for the other half). A connection
 * that is gone (410) is released as its `$disconnect` would. Posting is best effort: a
 * failed post is logged by the caller, and the client's slow safety heartbeat bounds
 * how long such a member goes without its new assignment.
 */
export async function noticeRebalance(
  ctx: SluiceContext,
  poster: ConnectionPoster,
  group: string,
  generation: number,
): Promise<{ notified: number; gone: number; failed: unknown[] }> {
  const message: WatchRebalanceMessage = { type: 'rebalance', group, generation };
  const outcome = { notified: 0, gone: 0, failed: [] as unknown[] };
  const bound = (await readMembers(ctx, group)).filter((member) => member.connectionId !== undefined);
  await Promise.all(
    bound.map(async (member) => {
      const binding: MemberBinding = { connectionId: member.connectionId!, group, memberId: member.memberId };
      try {
        if ((await poster.post(binding.connectionId, message)) === 'sent') {
          outcome.notified++;
          return;
        }
        outcome.gone++;
        await releaseMemberBinding(ctx, binding, ctx.now());
        await deleteBinding(ctx, binding);
      } catch (error) {
        outcome.failed.push(error);
      }
    }),
  );
  return outcome;
}
