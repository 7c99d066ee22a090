import type { Api } from '../model/api';

// Placeholder until this screen is built (issue #16).
export function TopicScreen({ api, topic }: { api: Api; topic: string }) {
  void api;
  void topic;
  return <section><h1>TopicScreen</h1><p>Not built yet.</p></section>;
}
