import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localConfigFromEnv, type LocalConfig } from '../../infra/local/local-config';
import { LocalPlatform } from '../../infra/local/local-platform';

/**
 * Starts the real local platform for a test file: DynamoDB Local and s3rver on free
 * ports, data in a fresh temp dir, the API on a free port. Call `stop()` in `after`.
 */
export interface TestPlatform {
  platform: LocalPlatform;
  url: string;
  dataDir: string;
  config: LocalConfig;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export async function startTestPlatform(options: { dataDir?: string; dynamodbPort?: number; s3Port?: number } = {}): Promise<TestPlatform> {
  process.env.SLUICE_LOG_REQUESTS = 'false';
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sluice-test-'));
  const config: LocalConfig = {
    ...localConfigFromEnv({}),
    port: 0,
    dynamodbPort: options.dynamodbPort ?? 0,
    s3Port: options.s3Port ?? 0,
    dataDir,
  };
  const platform = await LocalPlatform.start(config);
  return {
    platform,
    url: platform.url,
    dataDir,
    config,
    stop: async ({ keepData = false } = {}) => {
      await platform.stop();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A JSON call to the API; answers the status and the parsed body. */
export async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
