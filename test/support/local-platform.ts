import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localConfigFromEnv, type LocalConfig } from '../../infra/local/local-config';
import { LocalPlatform } from '../../infra/local/local-platform';
import { envForTarget } from './test-target';

/**
 * Starts the real local platform for a test file: DynamoDB Local and s3rver on free
 * ports (or, with SLUICE_TEST_TARGET=endpoint, the endpoints in AWS_ENDPOINT_URL*), data in a fresh temp dir, the API on
 * a free port. Call `stop()` in `after`.
 */
export interface TestPlatform {
  platform: LocalPlatform;
  url: string;
  dataDir: string;
  config: LocalConfig;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

// The platform writes endpoints into process.env for its handlers; configure from the environment as the test began.
const ENV_AT_START = { ...process.env };

export interface TestPlatformOptions {
  dataDir?: string;
  dynamodbPort?: number;
  s3Port?: number;
  /** Reuse another run's bucket and table names, to see its data again. */
  namesFrom?: LocalConfig;
  /** The Kafka gateway's port: 0 (a free one) unless given; `null` runs no gateway. */
  kafkaPort?: number | null;
  /** Settings over the environment's, e.g. the WebSocket emulation's timeouts. */
  config?: Partial<LocalConfig>;
}

export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  process.env.SLUICE_LOG_REQUESTS = 'false';
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sluice-test-'));
  // SLUICE_TEST_TARGET=endpoint (test-target.ts) uses AWS_ENDPOINT_URL* (LocalStack) instead of
  // the emulators; fresh table and bucket names keep runs against a long-lived LocalStack independent.
  const run = Math.random().toString(36).slice(2, 8);
  const config: LocalConfig = {
    ...localConfigFromEnv(envForTarget(ENV_AT_START)),
    bucket: options.namesFrom?.bucket ?? `sluice-test-${run}`,
    tables: options.namesFrom?.tables ?? { Topics: `sluice-test-${run}-topics`, Log: `sluice-test-${run}-log`, Producers: `sluice-test-${run}-producers`, Groups: `sluice-test-${run}-groups`, Access: `sluice-test-${run}-access` },
    port: 0,
    dynamodbPort: options.dynamodbPort ?? 0,
    s3Port: options.s3Port ?? 0,
    kafkaPort: options.kafkaPort === null ? undefined : (options.kafkaPort ?? 0),
    dataDir,
    ...options.config,
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
