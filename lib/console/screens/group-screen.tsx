import type { Api } from '../model/api';

// Placeholder until this screen is built (issue #16).
export function GroupScreen({ api, group }: { api: Api; group: string }) {
  void api;
  void group;
  return <section><h1>GroupScreen</h1><p>Not built yet.</p></section>;
}
