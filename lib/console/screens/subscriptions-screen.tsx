import { ErrorView } from '../components/error-view';
import { Paged } from '../components/pager';
import { useLoad } from '../components/use-load';
import type { Api } from '../model/api';
import { findSubscriptions, subscriptionCandidates } from '../model/subscription-list';
import { SubscriptionCreateForm } from './subscription-form';
import { SubscriptionRow } from './subscription-row';

/** How often the subscriptions are read again while open: their health changes by itself. */
const REFRESH_MS = 10_000;

/** Every group's push subscription with its target, controls, health, dead letters and lag. */
export function SubscriptionsScreen({ api }: { api: Api }) {
  // No route lists subscriptions: list the groups, then ask each that may have one.
  const subscriptions = useLoad(
    async (signal) => {
      const groups = await api.client.listGroups({ signal });
      return findSubscriptions(subscriptionCandidates(groups), (group) => api.client.getSubscription(group, { signal }));
    },
    [api],
    REFRESH_MS,
  );
  return (
    <section>
      <h1>Push subscriptions</h1>
      <SubscriptionCreateForm api={api} onCreated={subscriptions.reload} />
      {subscriptions.error && <ErrorView error={subscriptions.error} onRetry={subscriptions.reload} />}
      {subscriptions.data && subscriptions.data.length === 0 && <p>No push subscriptions yet. Create one with <code>sluice subscribe Create one with <code>sluice subscription create</code> orlt;groupCreate one with <code>sluice subscription create</code> orgt; Create one with <code>sluice subscription create</code> orlt;topicCreate one with <code>sluice subscription create</code> orgt; --https Create one with <code>sluice subscription create</code> orlt;urlCreate one with <code>sluice subscription create</code> orgt;</code> or <code>PUT /v1/groups/&lt;group&gt;/subscription</code>.</p>}
      {subscriptions.data && subscriptions.data.length > 0 && (
        <Paged items={subscriptions.data} label="subscriptions">
          {(page) => (
            <table class="subscriptions">
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">Target and controls</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last error</th>
                  <th scope="col" class="num">Failures</th>
                  <th scope="col">Dead-letter topic</th>
                  <th scope="col" class="num">Lag</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {page.map((s) => (
                  <SubscriptionRow key={s.group} api={api} subscription={s} onDeleted={subscriptions.reload} />
                ))}
              </tbody>
            </table>
          )}
        </Paged>
      )}
      {subscriptions.loading && !subscriptions.data && <p aria-busy="true">Loading subscriptions…</p>}
    </section>
  );
}
