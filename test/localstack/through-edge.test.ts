import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../../infra/local/emulators/dynamodb-local';
import { startS3Server, type RunningS3Server } from '../../infra/local/emulators/s3-server';
import { localConfigFromEnv } from '../../infra/local/local-config';
import { LocalPlatform } from '../../infra/local/local-platform';
import { segmentObjectKey } from '../../lib/store/object-keys';
import { startLocalStackEdge, type LocalStackEdge } from '../support/localstack-edge';
import { call } from '../support/local-platform';

/**
 * The platform as a LocalStack user configures it, through a LocalStack-shaped edge
 * (test/support/localstack-edge.ts) in front of DynamoDB Local and s3rver: one
 * AWS_ENDPOINT_URL for S3, DynamoDB and DynamoDB Streams, path-style S3,
 * SLUICE_EMULATORS=off, LocalStack's `test` credentials. Real LocalStack cannot run on
 * the machine this was written on (no Docker); docs/localstack.md says what that leaves.
 *
 * The representative subset, in-process (LocalPlatform.start with localConfigFromEnv,
 * as infra/local/main.ts does):
 * - produce and fetch (HTTP API over DynamoDB and S3 through the edge);
 * - a consumer group round trip: join, settle, commit, read the committed offset. The
 *   assignment is computed by coordinate-groups, a trigger on the Groups table's stream
 *   (a join answers no assignment; the member waits for the coordinator), so the round
 *   trip also proves a stream trigger reads DynamoDB Streams through the edge;
 * - a retention run (the enforce-retention schedule) moving a log start;
 * - an orphan collector run (the collect-orphan-objects schedule) listing the bucket.
 * And `npm start` itself (infra/local/main.ts in a child process, as
 * test/infra/local/main.test.ts runs it) against the edge with only endpoint variables
 * set, through the smoke produce, fetch and group round trip.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const HOUR = 3_600_000;
// LocalStack's documented credentials; DynamoDB Local accepts them (letters only) and s3rver is told the key.
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

let ddb: RunningDynamoDbLocal;
let s3rver: RunningS3Server;
let edge: LocalStackEdge;
let platform: LocalPlatform;
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-edge-'));
  dirs.push(dir);
  return dir;
}

/** The environment a LocalStack user sets: one endpoint, no emulators, fresh names for this run. */
function localStackEnv(run: string): NodeJS.ProcessEnv {
  return {
    ...CREDENTIALS,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: edge.url,
    SLUICE_EMULATORS: 'off',
    SLUICE_PORT: '0',
    SLUICE_KAFKA_PORT: 'off',
    SLUICE_DATA_DIR: tempDir(),
    SLUICE_LOG_REQUESTS: 'false',
    SLUICE_BUCKET: `sluice-${run}`,
    SLUICE_TOPICS_TABLE: `sluice-${run}-topics`,
    SLUICE_LOG_TABLE: `sluice-${run}-log`,
    SLUICE_PRODUCERS_TABLE: `sluice-${run}-producers`,
    SLUICE_GROUPS_TABLE: `sluice-${run}-groups`,
    SLUICE_ACCESS_TABLE: `sluice-${run}-access`,
  };
}

before(async () => {
  ddb = await startDynamoDbLocal({ port: 0 });
  s3rver = await startS3Server({ port: 0, dataDir: tempDir(), accessKeyIds: [CREDENTIALS.AWS_ACCESS_KEY_ID] });
  edge = await startLocalStackEdge({ dynamodb: ddb.endpoint, dynamodbstreams: ddb.endpoint, s3: s3rver.endpoint });
  for (const name of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_DYNAMODB_STREAMS', 'AWS_PROFILE']) delete process.env[name];
  const env = localStackEnv('inproc');
  Object.assign(process.env, env);
  platform = await LocalPlatform.start(localConfigFromEnv(env));
});

after(async () => {
  await platform?.stop();
  await edge?.stop();
  await s3rver?.stop();
  await ddb?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface View {
  memberId: string;
  generation: number;
  assignment: { topic: string; partitions: number[] }[];
  rebalanceInProgress: boolean;
}

/** Joins one member and heartbeats until coordinate-groups (a stream trigger) has settled its assignment. */
async function joinAndSettle(url: string, group: string, topic: string): Promise<View> {
  const joined = await call(url, 'POST', `/v1/groups/${group}/members`, { topics: [topic], resetPolicy: 'earliest' });
  assert.equal(joined.status, 201, JSON.stringify(joined.body));
  const memberId = (joined.body as View).memberId;
  for (let i = 0; i < 150; i++) {
    const beat = await call(url, 'POST', `/v1/groups/${group}/members/${memberId}/heartbeat`);
    assert.equal(beat.status, 200, JSON.stringify(beat.body));
    const view = beat.body as View;
    if (!view.rebalanceInProgress && view.assignment.length > 0) return view;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`group ${group} never settled`);
}

/** Produce, fetch, and a group's join, commit and committed offset: the smoke round trip. */
async function smokeRoundTrip(url: string, topic: string): Promise<void> {
  assert.equal((await call(url, 'POST', '/v1/topics', { name: topic, partitions: 2 })).status, 201);
  const produced = await call(url, 'POST', `/v1/topics/${topic}/records`, { records: [{ value: 'one', partition: 1 }, { value: 'two', partition: 1 }] });
  assert.equal(produced.status, 200, JSON.stringify(produced.body));
  const fetched = await call(url, 'GET', `/v1/topics/${topic}/partitions/1/records?offset=0&encoding=utf8`);
  assert.equal(fetched.status, 200, JSON.stringify(fetched.body));
  assert.deepEqual(
    fetched.body.records.map((r: { offset: number; value: string }) => [r.offset, r.value]),
    [
      [0, 'one'],
      [1, 'two'],
    ],
  );

  const view = await joinAndSettle(url, `${topic}-readers`, topic);
  assert.deepEqual(view.assignment, [{ topic, partitions: [0, 1] }]);
  const commit = await call(url, 'POST', `/v1/groups/${topic}-readers/offsets`, {
    memberId: view.memberId,
    generation: view.generation,
    offsets: [{ topic, partition: 1, offset: 2 }],
  });
  assert.equal(commit.status, 200, JSON.stringify(commit.body));
  const committed = await call(url, 'GET', `/v1/groups/${topic}-readers/offsets?topic=${topic}`);
  assert.equal(committed.status, 200, JSON.stringify(committed.body));
  assert.equal(committed.body.partitions.find((p: { partition: number }) => p.partition === 1)?.committedOffset, 2);
}

describe('the local platform through a LocalStack-shaped edge (one AWS_ENDPOINT_URL)', () => {
  it('started no emulator of its own: every service is the edge', () => {
    assert.deepEqual(platform.endpoints, { dynamodb: edge.url, s3: edge.url });
  });

  it('produces, fetches and runs a consumer group round trip, the assignment coming from the Groups stream trigger', async () => {
    const streamsBefore = edge.counts.dynamodbstreams;
    await smokeRoundTrip(platform.url, 'edge-orders');
    assert.ok(edge.counts.dynamodbstreams > streamsBefore, 'the triggers read DynamoDB Streams through the edge');
  });

  it('moves the log start past expired records in an enforce-retention run', async () => {
    assert.equal((await call(platform.url, 'POST', '/v1/topics', { name: 'edge-retention', config: { 'retention.ms': String(HOUR) } })).status, 201);
    const now = Date.now();
    await call(platform.url, 'POST', '/v1/topics/edge-retention/records', { records: [{ value: 'old', timestamp: now - 2 * HOUR }] });
    await call(platform.url, 'POST', '/v1/topics/edge-retention/records', { records: [{ value: 'new', timestamp: now }] });
    const summary = (await platform.schedules.runNow('enforce-retention')) as Record<string, unknown>;
    assert.equal(summary.failures, 0);
    assert.equal(summary.complete, true);
    const offsets = await call(platform.url, 'GET', '/v1/topics/edge-retention/offsets');
    const [partition, ...others] = offsets.body.partitions;
    assert.deepEqual({ ...partition, storedBytes: undefined, others }, { partition: 0, logStartOffset: 1, highWatermark: 2, storedBytes: undefined, others: [] });
    // The kept record's batch is still stored; the expired one's is not counted.
    assert.ok(partition.storedBytes > 0, JSON.stringify(partition));
  });

  it('lists the bucket path-style through the edge in a collect-orphan-objects run, keeping an orphan written just now', async () => {
    const s3 = new S3Client({ region: 'us-east-1', endpoint: edge.url, forcePathStyle: true });
    try {
      await s3.send(new PutObjectCommand({ Bucket: 'sluice-inproc', Key: segmentObjectKey('00000000-0000-4000-8000-000000000000', Date.now()), Body: 'orphan' }));
    } finally {
      s3.destroy();
    }
    const result = (await platform.schedules.runNow('collect-orphan-objects')) as Record<string, unknown>;
    assert.equal(result.failed, 0);
    assert.equal(result.complete, true);
    assert.ok((result.keptYoung as number) >= 1, JSON.stringify(result));
  });

  it('sent every request with a credential scope the edge could route', () => {
    assert.equal(edge.counts.unrouted, 0);
    assert.ok(edge.counts.dynamodb > 0 && edge.counts.s3 > 0 && edge.counts.dynamodbstreams > 0, JSON.stringify(edge.counts));
  });
});

describe('npm start against an external endpoint (SLUICE_EMULATORS=off, AWS_ENDPOINT_URL=<edge>)', () => {
  it('starts no emulator, names the edge as its storage, and serves the smoke round trip', async () => {
    const child = spawn(process.execPath, ['--openssl-legacy-provider', '--import', 'tsx', 'infra/local/main.ts'], {
      cwd: ROOT,
      env: { HOME: process.env.HOME, PATH: process.env.PATH, ...localStackEnv('npmstart') },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      while (!output.includes('Stop with Ctrl-C.')) {
        if (child.exitCode !== null) assert.fail(`npm start exited ${child.exitCode}:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.doesNotMatch(output, /DynamoDB Local listening|S3 server \(s3rver\) listening/);
      assert.equal(/DynamoDB\s+(http:\/\/\S+)/.exec(output)?.[1], edge.url, output);
      const url = /API\s+(http:\/\/\S+)/.exec(output)![1]!;
      await smokeRoundTrip(url, 'started-orders');
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, output);
  });
});
