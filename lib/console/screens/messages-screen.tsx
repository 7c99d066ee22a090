import type { Api } from '../model/api';

// Placeholder until this screen is built (issue #16).
export function MessagesScreen({ api, topic }: { api: Api; topic: string }) {
  void api;
  void topic;
  return <section><h1>MessagesScreen</h1><p>Not built yet.</p></section>;
}
