import { resolve } from 'node:path';
import { gatewaySettingsFromEnv } from '../../lib/kafka/gateway/config';
import { parseAllowedOrigins } from '../../lib/protocol/cors';
import type { TableId } from '../../lib/store/tables';
import { StartupError } from './emulators/startup-error';

/** Settings of the local platform, all from environment variables (see README, "Configuration"). */
export interface LocalConfig {
  host: string;
  port: number;
  /** Where embedded emulators keep their data; undefined keeps DynamoDB in memory and S3 in a temp dir. */
  dataDir: string | undefined;
  dynamodbPort: number;
  s3Port: number;
  /** Set when DynamoDB is external (LocalStack, real AWS): no emulator is started. */
  dynamodbEndpoint: string | undefined;
  streamsEndpoint: string | undefined;
  s3Endpoint: string | undefined;
  /**
   * SLUICE_EMULATORS=off: start no emulator. A service with an endpoint variable uses it
   * (LocalStack: AWS_ENDPOINT_URL alone serves all three); one without uses the SDK's
   * default (real AWS) endpoint. Tested against a LocalStack-shaped endpoint in
   * test/localstack/through-edge.test.ts.
   */
  useAwsDefaults: boolean;
  region: string;
  bucket: string;
  tables: Record<TableId, string>;
  /** The WebSocket emulation's idle timeout and maximum connection time (API Gateway's 10 minutes and 2 hours). */
  watchIdleTimeoutMs?: number;
  watchMaxConnectionMs?: number;
  /** The Kafka gateway's port (SLUICE_KAFKA_PORT, default 9092; 0 a free one); undefined runs no gateway (SLUICE_KAFKA_PORT=off). */
  kafkaPort?: number;
  /**
   * Whether the HTTP server streams live reads (server-sent events); SLUICE_HTTP_STREAMING=off
   * answers them as the deployed HTTP API does (501 STREAMING_NOT_SUPPORTED). Default on.
   */
  httpStreaming?: boolean;
  /**
   * Origins whose pages may call the HTTP API from a browser (SLUICE_CORS_ORIGINS,
   * comma-separated exact origins or `*`; lib/protocol/cors.ts). Default none, as deployed:
   * a page on another origin gets no answer it can read.
   */
  corsOrigins?: readonly string[];
}

export function localConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const shared = env.AWS_ENDPOINT_URL;
  const dynamodbEndpoint = env.AWS_ENDPOINT_URL_DYNAMODB ?? shared;
  return {
    host: env.SLUICE_HOST ?? '127.0.0.1',
    port: intEnv(env, 'SLUICE_PORT', 8780),
    // Absolute, because DynamoDB Local runs with its own working directory.
    dataDir: env.SLUICE_DATA_DIR === '' ? undefined : resolve(env.SLUICE_DATA_DIR ?? '.sluice'),
    dynamodbPort: intEnv(env, 'SLUICE_DYNAMODB_PORT', 8781),
    s3Port: intEnv(env, 'SLUICE_S3_PORT', 8782),
    dynamodbEndpoint,
    streamsEndpoint: env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS ?? dynamodbEndpoint,
    s3Endpoint: env.AWS_ENDPOINT_URL_S3 ?? shared,
    useAwsDefaults: env.SLUICE_EMULATORS === 'off',
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    bucket: env.SLUICE_BUCKET ?? 'sluice-local',
    tables: {
      Topics: env.SLUICE_TOPICS_TABLE ?? 'sluice-local-topics',
      Log: env.SLUICE_LOG_TABLE ?? 'sluice-local-log',
      Producers: env.SLUICE_PRODUCERS_TABLE ?? 'sluice-local-producers',
      Groups: env.SLUICE_GROUPS_TABLE ?? 'sluice-local-groups',
      Access: env.SLUICE_ACCESS_TABLE ?? 'sluice-local-access',
    },
    watchIdleTimeoutMs: msEnv(env, 'SLUICE_WATCH_IDLE_TIMEOUT_MS', 10 * 60 * 1000),
    watchMaxConnectionMs: msEnv(env, 'SLUICE_WATCH_MAX_CONNECTION_MS', 2 * 60 * 60 * 1000),
    kafkaPort: gatewaySettingsFromEnv(env).port,
    httpStreaming: env.SLUICE_HTTP_STREAMING !== 'off',
    corsOrigins: startupSetting(() => parseAllowedOrigins(env.SLUICE_CORS_ORIGINS, 'SLUICE_CORS_ORIGINS')),
  };
}

/** A setting's own message, without a stack: the person starting Sluice mistyped it. */
function startupSetting<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new StartupError((error as Error).message);
  }
}

function msEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number of milliseconds, at least 1, got '${raw}'`);
  return value;
}

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number 0-65535, got '${raw}'`);
  return value;
}
