/**
 * `sluice subscription describe` shows why a push subscription is not delivering: the
 * last error with its time and each failing partition's consecutive failures, against
 * the real local platform (whose dispatcher runs in this process) and a target port
 * that refuses connections.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { call, startTestPlatform, type TestPlatform } from '../support/local-platform';

// The catch-up sweep every 2 s instead of every minute: it delivers what the stream trigger, still starting, may miss.
process.env.SLUICE_SCHEDULE_SPEEDUP = '30';

const ROOT = resolve(import.meta.dirname, '../..');
const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/;
let env: TestPlatform;

before(async () => {
  env = await startTestPlatform();
});

after(async () => {
  await env?.stop();
});

function sluice(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/sluice.ts', '--url', env.url, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A loopback port that was opened and closed again, so connecting to it is refused. */
async function refusedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  await new Promise((done) => server.close(done));
  return port;
}

async function subscribe(group: string, topic: string, url: string): Promise<void> {
  assert.equal((await call(env.url, 'POST', '/v1/topics', { name: topic, partitions: 2 })).status, 201);
  const put = await call(env.url, 'PUT', `/v1/groups/${group}/subscription`, { topic, target: { type: 'https', url }, resetPolicy: 'earliest', retryAttempts: 1000 });
  assert.equal(put.status, 200, JSON.stringify(put.body));
}

describe('sluice subscription describe', () => {
  it('shows the last error with its time, and the failing partition’s consecutive failures and next attempt', async () => {
    const port = await refusedPort();
    const url = `http://127.0.0.1:${port}/hook`;
    await subscribe('cli-failing', 'cli-failing-src', url);
    await call(env.url, 'POST', '/v1/topics/cli-failing-src/records', { records: [{ value: 'x', partition: 1 }] });
    const failures = async () => (await call(env.url, 'GET', '/v1/groups/cli-failing/subscription')).body.partitions[1].consecutiveFailures as number;
    await waitFor(async () => (await failures()) >= 1, 'a failed delivery attempt');

    const reason = `target ${url}: connect ECONNREFUSED 127.0.0.1:${port}`;
    const human = await sluice(['subscription', 'describe', 'cli-failing']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^Delivery: +failing on 1 of 2 partitions$/m);
    const last = /^Last error: +(\S+) on partition 1: (.+)$/m.exec(human.stdout);
    assert.ok(last, human.stdout);
    assert.match(last[1]!, ISO);
    assert.equal(last[2], reason);
    assert.match(human.stdout, /^PARTITION\s+CONSECUTIVE-FAILURES\s+LAST-ERROR-AT\s+NEXT-ATTEMPT-AT\s+LAST-ERROR$/m);
    const lines = human.stdout.split('\n');
    const header = lines.findIndex((line) => line.startsWith('PARTITION '));
    const rows = lines.slice(header + 1, lines.indexOf('', header));
    assert.equal(rows.length, 1, 'only the failing partition has a row');
    const row = rows[0]!;
    const [partition, count, at, next, ...error] = row.split(/ +/);
    assert.equal(partition, '1');
    assert.ok(Number(count) >= 1, row);
    assert.match(at!, ISO);
    assert.match(next!, ISO);
    assert.equal(error.join(' '), reason);
    assert.match(human.stdout, /\nTotal lag: 1\n$/);

    const json = await sluice(['--json', 'subscription', 'describe', 'cli-failing']);
    assert.equal(json.code, 0, json.stderr);
    const described = JSON.parse(json.stdout);
    const p1 = described.partitions.find((p: { partition: number }) => p.partition === 1);
    assert.equal(p1.lastError, reason);
    assert.equal(typeof p1.lastErrorAt, 'number');
    assert.ok(p1.consecutiveFailures >= 1);
    assert.equal(described.delivery.failingPartitions, 1);
    assert.equal(described.delivery.lastError, reason);
    assert.equal(described.delivery.lastErrorPartition, 1);
  });

  it('says a subscription that never failed is healthy, with no failures table', async () => {
    const hook = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end()));
    await new Promise<void>((done) => hook.listen(0, '127.0.0.1', done));
    try {
      await subscribe('cli-healthy', 'cli-healthy-src', `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`);
      const human = await sluice(['subscription', 'describe', 'cli-healthy']);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /^Delivery: +healthy$/m);
      assert.doesNotMatch(human.stdout, /Last error|CONSECUTIVE-FAILURES/);
    } finally {
      hook.close();
    }
  });
});
