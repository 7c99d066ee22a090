import type { SluiceContext } from '../core/context';
import { deleteMemberIfLapsed, lapsedMembers } from '../store/group-store';

/**
 * Deletes every member whose lease lapsed, in every group. Heartbeats of the other
 * members already do this for their own group; this sweep covers groups whose members
 * all went quiet, so their partitions are released and `describe` tells the truth.
 * Each delete is conditional on the lease still being lapsed.
 */
export async function expireLapsedMembersEverywhere(ctx: SluiceContext): Promise<{ scanned: number; expired: number }> {
  const now = ctx.now();
  let scanned = 0;
  let expired = 0;
  for await (const page of lapsedMembers(ctx, now)) {
    scanned += page.scanned;
    for (const member of page.members) if (await deleteMemberIfLapsed(ctx, member, now)) expired++;
  }
  return { scanned, expired };
}
