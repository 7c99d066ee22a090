import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createTableInput } from '../../infra/local/bootstrap';
import { LEAN_CHECKSUMS, withLeanSegmentPuts } from '../../lib/store/aws-clients';
import { FUNCTIONS } from '../../infra/platform-spec';
import { LOG_TABLE, TOPICS_TABLE } from '../../lib/store/tables';
import { RequestCounter } from '../../lib/cost/request-accounting';
import type { SluiceContext } from '../../lib/core/context';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { startTestPlatform, type TestPlatform } from '../support/local-platform';
import { backgroundScope, tagBackgroundWork } from './background';
import type { Meters } from './measure';
import type { Schedules } from './workloads/idle-cost';
import { watchUrlOf } from './workloads/tail-cost';

/** Direct SDK clients to the emulators under the platform, for the raw-storage figures. */
export interface RawStorage {
  s3: S3Client;
  ddb: DynamoDBDocumentClient;
  bucket: string;
  topicsTable: string;
  logTable: string;
  /** The key of an item in `topicsTable` that commit-shaped transactions check. */
  topicKey: { pk: string };
}

export interface BenchTarget {
  mode: 'in-process' | 'remote';
  url: string;
  /** The request counters on the handlers' SDK clients, and the background functions' invocations (in-process only). */
  meters: Meters;
  raw?: RawStorage;
  endpoints?: { dynamodb: string; s3: string };
  lambdaMemoryMiB: { produce: number; fetch: number };
  /** The platform's WebSocket URL for waiting at the tail, when it has one (workloads/tail-cost.ts finds it). */
  watchUrl?: string;
  /** The Kafka gateway's bootstrap server (in-process only). */
  kafkaBootstrap?: string;
  /** The platform's scheduled functions, to run each once (in-process only). */
  schedules?: Schedules;
  /** The context the handlers in this process use (its SDK clients carry the request counters), to call lib code directly (in-process only). */
  ctx?: SluiceContext;
  stop(): Promise<void>;
}

/** The memory the platform spec gives a function. */
export function memoryOf(name: string): number {
  return FUNCTIONS.find((f) => f.name === name)?.memoryMiB ?? 1024;
}

export async function startTarget(url: string | undefined, log: (line: string) => void): Promise<BenchTarget> {
  const lambdaMemoryMiB = { produce: memoryOf('produce-records'), fetch: memoryOf('fetch-records') };
  if (url) {
    log(`benchmarking ${url} (remote: request counts and raw-storage figures are skipped)`);
    return { mode: 'remote', url, meters: {}, lambdaMemoryMiB, stop: async () => undefined };
  }
  log('starting the local platform (DynamoDB Local, s3rver, HTTP API) in this process');
  // Handlers log through the Powertools logger, which the console.log mute below does not
  // reach; its INFO lines (a "dispatched" per produce) would bury the report.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  const platform: TestPlatform = await startTestPlatform();
  // The handlers run in this process and share contextFromEnv()'s cached clients; stream
  // triggers and schedules run their handlers inside backgroundScope.
  const ctx = contextFromEnv();
  const work = tagBackgroundWork(platform.platform);
  const inBackground = () => backgroundScope.getStore() !== undefined;
  const api = new RequestCounter({ include: () => !inBackground() }).attach(ctx.ddb).attach(ctx.s3);
  const background = new RequestCounter({ include: inBackground }).attach(ctx.ddb).attach(ctx.s3);
  // One background function's requests alone (a scheduled run while stream triggers may also be working).
  const only = (name: string) => {
    const counter = new RequestCounter({ include: () => backgroundScope.getStore() === name }).attach(ctx.ddb).attach(ctx.s3);
    return { counter, detach: () => void counter.detach(ctx.ddb).detach(ctx.s3) };
  };
  // Background handlers log each run to stdout (as Lambda would to CloudWatch); keep the report readable.
  const consoleLog = console.log;
  let muted = 0;
  console.log = (...args: unknown[]) => {
    if (inBackground()) muted++;
    else consoleLog(...args);
  };
  log(
    work.wrapped.length
      ? `counting background functions apart: ${work.wrapped.join(', ')}`
      : 'warning: could not tell background functions from API calls; their requests count as the API calls\'',
  );
  const region = platform.config.region;
  const { dynamodb, s3: s3Endpoint } = platform.platform.endpoints;
  // Configured as Sluice's own S3 client is (lib/store/aws-clients.ts): the floor's PUT hashes no more than Sluice's.
  const s3 = withLeanSegmentPuts(new S3Client({ region, endpoint: s3Endpoint, forcePathStyle: true, ...LEAN_CHECKSUMS }));
  const base = new DynamoDBClient({ region, endpoint: dynamodb });
  const ddb = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  const run = Math.random().toString(36).slice(2, 8);
  const raw: RawStorage = {
    s3,
    ddb,
    bucket: platform.config.bucket,
    topicsTable: `bench-raw-${run}-topics`,
    logTable: `bench-raw-${run}-log`,
    topicKey: { pk: 'topic#raw' },
  };
  // The raw floor runs against tables made from the same definitions as Sluice's (the Log
  // table's stream, local and global indexes included): the design needs them, and in
  // DynamoDB Local each one is written in the same request, so a bare table would be a
  // floor the design cannot reach.
  await base.send(new CreateTableCommand(createTableInput(TOPICS_TABLE, raw.topicsTable)));
  await base.send(new CreateTableCommand(createTableInput(LOG_TABLE, raw.logTable)));
  await ddb.send(new PutCommand({ TableName: raw.topicsTable, Item: { ...raw.topicKey, topicId: 'raw', partitions: 16, config: {}, createdAt: Date.now() } }));
  log(`platform at ${platform.url} (DynamoDB Local ${dynamodb}, s3rver ${s3Endpoint})`);
  return {
    mode: 'in-process',
    url: platform.url,
    meters: { api, background, work, only, invocations: platform.platform.invocations },
    raw,
    endpoints: { dynamodb, s3: s3Endpoint },
    lambdaMemoryMiB,
    watchUrl: watchUrlOf(platform.platform),
    ...(platform.platform.kafka ? { kafkaBootstrap: platform.platform.kafka.bootstrapServer } : {}),
    schedules: platform.platform.schedules,
    ctx,
    stop: async () => {
      console.log = consoleLog;
      if (muted) log(`muted ${muted} log lines of background functions`);
      s3.destroy();
      base.destroy();
      await platform.stop();
    },
  };
}
