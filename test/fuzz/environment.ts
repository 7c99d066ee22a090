import { startTestPlatform } from '../support/local-platform';
import { FixtureSet, startPushTarget, useFuzzAuth } from './fixtures';
import { WireClient } from './http';
import { platformRoutes } from './routes';
import type { FuzzTarget } from './runner';
import { StateReader } from './state';

/** The local platform (test/support/local-platform.ts) with token auth, the fixtures and the state reader. */
export async function startFuzzTarget(): Promise<FuzzTarget & { stop(): Promise<void> }> {
  useFuzzAuth();
  const env = await startTestPlatform();
  const pushTarget = await startPushTarget();
  const client = new WireClient(env.url);
  try {
    const fixtures = await FixtureSet.create(client, env, pushTarget);
    const state = new StateReader(client, env, pushTarget);
    return {
      client,
      fixtures,
      state,
      routes: platformRoutes(),
      stop: async () => {
        state.close();
        client.close();
        await pushTarget.close();
        await env.stop();
      },
    };
  } catch (error) {
    client.close();
    await pushTarget.close();
    await env.stop();
    throw error;
  }
}
