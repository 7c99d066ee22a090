import type { Api } from '../model/api';

// Placeholder until this screen is built (issue #16).
export function GroupsScreen({ api }: { api: Api }) {
  void api;
  return <section><h1>GroupsScreen</h1><p>Not built yet.</p></section>;
}
