import type { GroupSummary, SubscriptionDescription } from '../../protocol/responses';

/**
 * Which groups may have a push subscription. The API has no route that lists
 * subscriptions, so the console asks each group; a group with live members cannot have
 * one (the API refuses a subscription on it and a member joining a group that has one),
 * so only groups without live members are asked.
 */
export function subscriptionCandidates(groups: readonly GroupSummary[]): string[] {
  return groups.filter((g) => g.members === 0).map((g) => g.group);
}

/** Whether a failed read means "this group has no subscription" rather than a real failure. */
export function isNoSubscription(error: unknown): boolean {
  const e = error as { code?: unknown; status?: unknown } | null;
  return typeof e === 'object' && e !== null && (e.code === 'SUBSCRIPTION_NOT_FOUND' || e.code === 'GROUP_NOT_FOUND');
}

/**
 * Runs `read` for every group, at most `parallel` at once, keeping the subscriptions found
 * in the groups' order; "no subscription" answers are skipped and any other failure rejects.
 */
export async function findSubscriptions(
  groups: readonly string[],
  read: (group: string) => Promise<SubscriptionDescription>,
  parallel = 6,
): Promise<SubscriptionDescription[]> {
  const found: (SubscriptionDescription | undefined)[] = new Array(groups.length);
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const i = next++;
      try {
        found[i] = await read(groups[i]!);
      } catch (error) {
        if (!isNoSubscription(error)) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, groups.length) }, worker));
  return found.filter((s): s is SubscriptionDescription => s !== undefined);
}
