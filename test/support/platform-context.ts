import type { SluiceContext } from '../../lib/core/context';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { startTestPlatform, type TestPlatform } from './local-platform';

/**
 * The local platform for a test file that calls lib/ directly, and the context its
 * handlers use (same tables, bucket and clients), with sleeps skipped so retries run at
 * once. Start it in `before` and stop `env` in `after`.
 */
export async function startPlatformContext(): Promise<{ env: TestPlatform; ctx: SluiceContext }> {
  const env = await startTestPlatform();
  return { env, ctx: { ...contextFromEnv(), sleep: async () => undefined } };
}
