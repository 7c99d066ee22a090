import type { Api } from '../model/api';

// Placeholder until this screen is built (issue #16).
export function CostScreen({ api }: { api: Api }) {
  void api;
  return <section><h1>CostScreen</h1><p>Not built yet.</p></section>;
}
