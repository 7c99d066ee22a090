import { mkdtempSync, rmSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../../infra/local/emulators/dynamodb-local';
import type { LocalConfig } from '../../infra/local/local-config';
import { LocalPlatform } from '../../infra/local/local-platform';
import { TABLES, type TableId } from '../../lib/store/tables';

/**
 * The local platform for a safety run: DynamoDB Local started here (so the run can
 * stop and restart it on the same port and data directory), s3rver and the HTTP API
 * started by LocalPlatform, all on free loopback ports, data in a fresh temp dir.
 * The handlers keep their SDK clients across a restart, as a Lambda container would.
 */
export interface SafetyPlatform {
  platform: LocalPlatform;
  url: string;
  dataDir: string;
  config: LocalConfig;
  dynamodbEndpoint: string;
  /** Stops DynamoDB Local and starts it again on the same port and data; answers how long it was down. */
  restartDynamoDb(): Promise<{ downMs: number }>;
  stop(): Promise<void>;
}

// DynamoDB Local accepts only letters and digits in an access key id.
const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'sluicelocal', AWS_SECRET_ACCESS_KEY: 'sluicelocal' };

export async function startSafetyPlatform(
  log: (line: string) => void = () => undefined,
  { kafka = false, kafkaAdvertisedPort }: { kafka?: boolean; kafkaAdvertisedPort?: number } = {},
): Promise<SafetyPlatform> {
  // A self-contained run: local credentials, no external endpoints, no authentication.
  Object.assign(process.env, LOCAL_CREDENTIALS, { SLUICE_LOG_REQUESTS: 'false' });
  for (const name of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_DYNAMODB_STREAMS', 'AWS_ENDPOINT_URL_S3', 'AWS_PROFILE', 'AWS_SESSION_TOKEN']) {
    delete process.env[name];
  }
  for (const name of ['SLUICE_AUTH_MODE', 'SLUICE_AUTH_TOKEN', 'SLUICE_AUTH_TOKENS', 'SLUICE_KAFKA_HOST', 'SLUICE_KAFKA_ADVERTISED_HOST', 'SLUICE_KAFKA_ADVERTISED_PORT']) delete process.env[name];
  // Kafka clients reach the gateway through a proxy of the run's: Metadata names it as the broker.
  if (kafkaAdvertisedPort !== undefined) process.env.SLUICE_KAFKA_ADVERTISED_PORT = String(kafkaAdvertisedPort);

  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-safety-'));
  const ddbDir = join(dataDir, 'dynamodb');
  let ddb: RunningDynamoDbLocal = await startDynamoDbLocal({ port: 0, dataDir: ddbDir, log });
  const port = ddb.port;
  const run = Math.random().toString(36).slice(2, 8);
  const tables = Object.fromEntries(TABLES.map((t) => [t.id, `sluice-safety-${run}-${t.id.toLowerCase()}`])) as Record<TableId, string>;
  const config: LocalConfig = {
    host: '127.0.0.1',
    port: 0,
    dataDir,
    dynamodbPort: port,
    s3Port: 0,
    dynamodbEndpoint: ddb.endpoint,
    streamsEndpoint: ddb.endpoint,
    s3Endpoint: undefined,
    useAwsDefaults: false,
    region: 'us-east-1',
    bucket: `sluice-safety-${run}`,
    tables,
    // The Kafka gateway on a free port, when the run has Kafka clients.
    ...(kafka ? { kafkaPort: 0 } : {}),
  };
  let platform: LocalPlatform;
  try {
    platform = await LocalPlatform.start(config, log);
  } catch (error) {
    await ddb.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    platform,
    url: platform.url,
    dataDir,
    config,
    dynamodbEndpoint: ddb.endpoint,
    restartDynamoDb: async () => {
      const started = Date.now();
      await ddb.stop();
      // The port may take a moment to be free again; a bounded number of tries.
      let lastError: unknown;
      for (let attempt = 0; attempt < 10; attempt++) {
        try {
          ddb = await startDynamoDbLocal({ port, dataDir: ddbDir, log });
          return { downMs: Date.now() - started };
        } catch (error) {
          lastError = error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      throw new Error(`DynamoDB Local did not come back on port ${port}: ${String(lastError)}`);
    },
    stop: async () => {
      await platform.stop();
      await ddb.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * s3rver (3.7) removes a directory that a delete left empty while a PUT into it may be
 * between its mkdir and its open: the PUT has already been answered 200 (its body is a
 * buffer), the file is never written, and the write stream's unhandled error ends the
 * process. Compaction deletes and writes segment objects all through a compacted run, so
 * that run serializes them on the client the handlers share: PUTs go together, a delete
 * waits for the PUTs in flight and holds new ones back. (Real S3 has no such race.)
 */
export function guardS3rverDeleteRace(s3: S3Client): void {
  let puts = 0;
  let drained: (() => void) | undefined;
  let deleting: Promise<void> = Promise.resolve();
  let held: Promise<void> | undefined;
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutObjectCommand') {
        while (held) await held;
        puts++;
        try {
          return await next(args);
        } finally {
          if (--puts === 0) drained?.();
        }
      }
      if (context.commandName !== 'DeleteObjectCommand' && context.commandName !== 'DeleteObjectsCommand') return next(args);
      const turn = deleting.then(async () => {
        if (puts > 0) await new Promise<void>((resolve) => (drained = resolve));
        drained = undefined;
        return next(args);
      });
      const done = turn.then(
        () => undefined,
        () => undefined,
      );
      deleting = done;
      held = done;
      void done.then(() => {
        if (held === done) held = undefined;
      });
      return turn;
    },
    { step: 'initialize', name: 'safetyS3rverDeleteGuard', override: true },
  );
}
