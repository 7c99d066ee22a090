import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBStreamEvent, Context } from 'aws-lambda';
import { BUCKET_ENV_VAR, TABLES } from '../../lib/store/tables';
import { FUNCTIONS, functionEntry, type FunctionSpec } from '../platform-spec';
import { ensureBucket, ensureTable } from './bootstrap';
import { FileCheckpointStore, MemoryCheckpointStore } from './checkpoint-store';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from './emulators/dynamodb-local';
import { startS3Server, type RunningS3Server } from './emulators/s3-server';
import { StartupError } from './emulators/startup-error';
import { InvocationReports } from './invocation-reports';
import { startHttpServer, type HttpHandler, type HttpStreamHandler, type RouteTarget } from './http-server';
import type { LocalConfig } from './local-config';
import { RouteTable } from './route-table';
import { Scheduler, scheduleSpeedupFromEnv, type ScheduledFunction, type ScheduledHandler } from './scheduler';
import { StreamTrigger, type StreamFailure } from './stream-trigger';
import { WATCH_ENDPOINT_ENV_VAR } from '../../lib/store/connection-poster';
import { LocalWatchApi, WATCH_PATH, type WebSocketHandler, type WebSocketTarget } from './watch-api';
import { authConfigFromEnv } from '../../lib/auth/auth-config';
import { gatewaySettingsFromEnv } from '../../lib/kafka/gateway/config';
import { KafkaGateway } from '../../lib/kafka/gateway/server';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { buildConsoleAssets, type ConsoleAssets } from '../console/build-console';
import { serveConsole } from '../console/serve-console';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// DynamoDB Local accepts only letters and digits in an access key id.
const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'sluicelocal', AWS_SECRET_ACCESS_KEY: 'sluicelocal' };

/**
 * Sluice on one machine: embedded DynamoDB Local and s3rver (or external endpoints),
 * the same tables and bucket the CDK stack defines, the HTTP API served through the
 * real handler modules, and the stream triggers and schedules emulated.
 */
export class LocalPlatform {
  private constructor(
    readonly url: string,
    /** The WebSocket URL readers wait on (`ws://host:port/v1/watch`; `?token=` in token mode). */
    readonly watchUrl: string,
    /** The WebSocket API emulation (open connections, for tests). */
    readonly watch: LocalWatchApi,
    readonly endpoints: { dynamodb: string; s3: string },
    private readonly server: Server,
    readonly triggers: ReadonlyMap<string, StreamTrigger>,
    /** The scheduled functions; `schedules.runNow(name)` runs one at once. */
    readonly schedules: Scheduler,
    private readonly cleanup: (() => Promise<void>)[],
    /** The Kafka gateway (`host:port` in `kafka.bootstrapServer`), unless `kafkaPort` was left out. */
    readonly kafka: KafkaGateway | undefined,
    /** The HTTP API's invocations and their handler durations, as Lambda's REPORT lines. */
    readonly invocations: InvocationReports,
  ) {}

  static async start(config: LocalConfig, log: (line: string) => void = () => undefined): Promise<LocalPlatform> {
    const cleanup: (() => Promise<void>)[] = [];
    const stopAll = async () => {
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
    };
    try {
      let dynamodbEndpoint = config.dynamodbEndpoint;
      let streamsEndpoint = config.streamsEndpoint;
      let s3Endpoint = config.s3Endpoint;
      const embedded = !config.useAwsDefaults && (!dynamodbEndpoint || !s3Endpoint);
      // With only emulators to talk to, local credentials are all this process needs.
      if (embedded && !dynamodbEndpoint && !s3Endpoint) Object.assign(process.env, LOCAL_CREDENTIALS);
      else if (embedded && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) Object.assign(process.env, LOCAL_CREDENTIALS);
      if (!config.useAwsDefaults && !dynamodbEndpoint) {
        const ddb: RunningDynamoDbLocal = await startDynamoDbLocal({
          port: config.dynamodbPort,
          dataDir: config.dataDir ? join(config.dataDir, 'dynamodb') : undefined,
          log,
        });
        cleanup.push(() => ddb.stop());
        dynamodbEndpoint = streamsEndpoint = ddb.endpoint;
      }
      if (!config.useAwsDefaults && !s3Endpoint) {
        let s3Dir = config.dataDir ? join(config.dataDir, 's3') : undefined;
        if (!s3Dir) {
          const temp = mkdtempSync(join(tmpdir(), 'sluice-s3-'));
          cleanup.push(async () => rmSync(temp, { recursive: true, force: true }));
          s3Dir = temp;
        }
        const accessKeyIds = process.env.AWS_ACCESS_KEY_ID ? [process.env.AWS_ACCESS_KEY_ID] : [];
        const s3: RunningS3Server = await startS3Server({ port: config.s3Port, dataDir: s3Dir, accessKeyIds, log });
        cleanup.push(() => s3.stop());
        s3Endpoint = s3.endpoint;
      }

      // The handlers read the same variables a deployed Lambda function gets.
      // Locally, a configured static token switches authentication on (README, "Authentication").
      if (!process.env.SLUICE_AUTH_MODE && (process.env.SLUICE_AUTH_TOKEN || process.env.SLUICE_AUTH_TOKENS)) process.env.SLUICE_AUTH_MODE = 'token';
      process.env.AWS_REGION = config.region;
      if (dynamodbEndpoint) process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodbEndpoint;
      if (s3Endpoint) process.env.AWS_ENDPOINT_URL_S3 = s3Endpoint;
      for (const table of TABLES) process.env[table.envVar] = config.tables[table.id];
      process.env[BUCKET_ENV_VAR] = config.bucket;

      const dynamodb = new DynamoDBClient({ region: config.region, endpoint: dynamodbEndpoint });
      const streams = new DynamoDBStreamsClient({ region: config.region, endpoint: streamsEndpoint });
      const s3 = new S3Client({ region: config.region, endpoint: s3Endpoint, forcePathStyle: Boolean(s3Endpoint) });
      await reachable('DynamoDB', dynamodbEndpoint, () => dynamodb.send(new ListTablesCommand({ Limit: 1 })));
      await reachable('S3', s3Endpoint, () => s3.send(new ListBucketsCommand({})));
      for (const table of TABLES) {
        const outcome = await ensureTable(dynamodb, table, config.tables[table.id]);
        log(`table ${config.tables[table.id]}: ${outcome}`);
      }
      log(`bucket ${config.bucket}: ${await ensureBucket(s3, config.bucket)}`);

      const routes = new RouteTable<RouteTarget>();
      const triggers = new Map<string, StreamTrigger>();
      const scheduled: ScheduledFunction[] = [];
      const webSocketRoutes = new Map<string, WebSocketTarget>();
      const checkpoints = config.dataDir ? new FileCheckpointStore(join(config.dataDir, 'stream-checkpoints.json')) : new MemoryCheckpointStore();
      for (const spec of FUNCTIONS) {
        // A response-streaming function exists for its function URL alone; this server streams
        // the routes' live reads itself, and its module needs the Lambda runtime's `awslambda`.
        if (spec.streamsResponses) continue;
        const { handler, streamHandler } = await loadHandler(spec);
        for (const route of spec.routes ?? []) {
          // A module's streamHandler serves its live reads: this server can stream, API Gateway's HTTP API cannot.
          const stream = config.httpStreaming === false ? undefined : (streamHandler as HttpStreamHandler | undefined);
          routes.add(route, { functionName: spec.name, timeoutSeconds: spec.timeoutSeconds, handler: handler as HttpHandler, ...(stream ? { stream } : {}) });
        }
        for (const routeKey of spec.webSocketRoutes ?? []) {
          webSocketRoutes.set(routeKey, { functionName: spec.name, timeoutSeconds: spec.timeoutSeconds, handler: handler as WebSocketHandler });
        }
        if (spec.defaultRoute) routes.setDefault({ functionName: spec.name, timeoutSeconds: spec.timeoutSeconds, handler: handler as HttpHandler });
        if (spec.trigger) {
          const trigger = new StreamTrigger({
            functionName: spec.name,
            spec: spec.trigger,
            tableName: config.tables[spec.trigger.table],
            handler: handler as (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>,
            dynamodb,
            streams,
            checkpoints,
            onFailure: (failure: StreamFailure) =>
              log(`${failure.functionName}: ${failure.records.length} stream record(s) sent to the on-failure destination after ${failure.attempts} attempt(s): ${failure.reason}`),
            log,
          });
          trigger.start();
          cleanup.push(() => trigger.stop());
          triggers.set(spec.name, trigger);
        }
        if (spec.schedule) {
          scheduled.push({ name: spec.name, rateMinutes: spec.schedule.rateMinutes, handler: handler as ScheduledHandler, timeoutSeconds: spec.timeoutSeconds });
        }
      }
      const schedules = new Scheduler({ functions: scheduled, speedup: scheduleSpeedupFromEnv(), log });
      schedules.start();
      cleanup.push(() => schedules.stop());
      const watch = new LocalWatchApi({ routes: webSocketRoutes, idleTimeoutMs: config.watchIdleTimeoutMs, maxConnectionMs: config.watchMaxConnectionMs, log });
      const invocations = new InvocationReports();
      // Built on the first request for it (~0.2 s), so a platform nobody browses never pays for it.
      let built: Promise<ConsoleAssets> | undefined;
      const consoleAssets = () => (built ??= buildConsoleAssets());
      const server = await startHttpServer(routes, config.port, config.host, log, (req, res) => watch.handleManagement(req, res), invocations, config.corsOrigins, (req, res) => serveConsole(req, res, consoleAssets));
      server.on('upgrade', (req, socket, head) => watch.handleUpgrade(req, socket, head));
      cleanup.push(() => new Promise<void>((done) => server.close(() => done())));
      cleanup.push(async () => watch.close());
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
      // The management API of the emulated WebSocket API is served by this same server.
      process.env[WATCH_ENDPOINT_ENV_VAR] = url;
      // The Kafka gateway works on the same tables and bucket, through lib/, as a deployed one would.
      let kafka: KafkaGateway | undefined;
      if (config.kafkaPort !== undefined) {
        const settings = gatewaySettingsFromEnv();
        const kafkaHost = process.env.SLUICE_KAFKA_HOST || config.host;
        const gateway = await KafkaGateway.start({
          ctx: contextFromEnv(),
          auth: authConfigFromEnv(),
          host: kafkaHost,
          port: config.kafkaPort,
          advertisedHost: settings.advertisedHost,
          advertisedPort: settings.advertisedPort,
          limits: settings.limits,
          batching: settings.batching,
          log,
        }).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EADDRINUSE') throw error;
          // Most likely a Kafka broker of its own on 9092.
          throw new StartupError(`The Kafka gateway cannot listen on ${kafkaHost}:${config.kafkaPort}: the port is in use. Set SLUICE_KAFKA_PORT to another port, or to off.`);
        });
        cleanup.push(() => gateway.stop());
        kafka = gateway;
      }
      return new LocalPlatform(url, `${url.replace(/^http/, 'ws')}${WATCH_PATH}`, watch, { dynamodb: dynamodbEndpoint ?? 'AWS', s3: s3Endpoint ?? 'AWS' }, server, triggers, schedules, cleanup, kafka, invocations);
    } catch (error) {
      await stopAll();
      throw error;
    }
  }

  /** Stops the server, the triggers, the schedules and every emulator this platform started. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    for (const step of [...this.cleanup].reverse()) await step().catch(() => undefined);
  }
}

async function loadHandler(spec: FunctionSpec): Promise<{ handler: unknown; streamHandler?: unknown }> {
  const module = (await import(pathToFileURL(join(REPO_ROOT, functionEntry(spec))).href)) as { handler?: unknown; streamHandler?: unknown };
  if (typeof module.handler !== 'function') throw new StartupError(`${functionEntry(spec)} does not export a handler`);
  return { handler: module.handler, ...(typeof module.streamHandler === 'function' ? { streamHandler: module.streamHandler } : {}) };
}

async function reachable(service: string, endpoint: string | undefined, probe: () => Promise<unknown>): Promise<void> {
  try {
    await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref())]);
  } catch (error) {
    throw new StartupError(`Cannot reach ${service} at ${endpoint ?? 'its default AWS endpoint'}: ${(error as Error).message}`);
  }
}
