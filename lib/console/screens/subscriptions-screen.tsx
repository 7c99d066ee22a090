import type { Api } from '../model/api';

// Placeholder until this screen is built (issue #16).
export function SubscriptionsScreen({ api }: { api: Api }) {
  void api;
  return <section><h1>SubscriptionsScreen</h1><p>Not built yet.</p></section>;
}
