/**
 * `sluice consume --group` and `sluice groups` against the real local platform: the
 * coordinator runs on the DynamoDB Streams emulation, so joins, rebalances, leases and
 * generation-checked commits are the server's own.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { call, startTestPlatform, type TestPlatform } from '../support/local-platform';

const ROOT = resolve(import.meta.dirname, '../..');
const SESSION = ['--session-timeout-ms', '3000'];
let env: TestPlatform;
const children = new Set<ChildProcess>();

before(async () => {
  env = await startTestPlatform();
});

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await env?.stop();
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/sluice.ts', '--url', env.url, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((done) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      done(code ?? (signal ? -1 : null));
    }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function sluice(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = start(args);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Printed {
  partition: number;
  offset: number;
  value: string;
}

const printed = (run: { stdout: string } | Run): Printed[] =>
  (typeof run.stdout === 'function' ? run.stdout() : run.stdout)
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Printed);

/** Produces `perPartition` records to each partition, valued `p<partition>-<offset>` (the topic starts empty). */
async function produce(topic: string, partitions: number, from: number, count: number): Promise<void> {
  const records = [];
  for (let p = 0; p < partitions; p++) for (let i = from; i < from + count; i++) records.push({ value: `p${p}-${i}`, partition: p });
  const { status, body } = await call(env.url, 'POST', `/v1/topics/${topic}/records`, { records });
  assert.equal(status, 200, JSON.stringify(body));
}

async function committed(group: string, topic: string): Promise<Map<number, number | null>> {
  const { status, body } = await call(env.url, 'GET', `/v1/groups/${group}/offsets?topic=${topic}`);
  assert.equal(status, 200, JSON.stringify(body));
  return new Map(body.partitions.map((p: { partition: number; committedOffset: number | null }) => [p.partition, p.committedOffset]));
}

/** Each record printed is the one produced at its offset, and every (partition, offset) below `perPartition` was printed by someone. */
function assertCoverage(all: Printed[], partitions: number, perPartition: number): void {
  for (const r of all) assert.equal(r.value, `p${r.partition}-${r.offset}`);
  const seen = new Set(all.map((r) => `${r.partition}/${r.offset}`));
  for (let p = 0; p < partitions; p++) {
    for (let o = 0; o < perPartition; o++) assert.ok(seen.has(`${p}/${o}`), `record ${p}/${o} was never printed`);
  }
}

/**
 * One consumer's output per partition is in offset order: each record follows the one
 * before it, except where the consumer (re)started the partition at the group's
 * committed offset after a rebalance, which only ever goes back.
 */
function assertOffsetOrder(records: Printed[], name: string): void {
  const last = new Map<number, number>();
  for (const r of records) {
    const previous = last.get(r.partition);
    if (previous !== undefined) {
      assert.ok(r.offset === previous + 1 || r.offset <= previous, `${name}: partition ${r.partition} jumped from ${previous} to ${r.offset}`);
    }
    last.set(r.partition, r.offset);
  }
}

describe('sluice consume --group against the local platform', () => {
  it('two members without --follow print every record at least once, in offset order, and commit up to the high watermarks', async () => {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'grp-pair', partitions: 4 })).status, 201);
    await produce('grp-pair', 4, 0, 50);

    const args = ['--json', 'consume', 'grp-pair', '--group', 'pair', '--reset', 'earliest', ...SESSION, '--commit-interval-ms', '200'];
    const [a, b] = await Promise.all([sluice(args), sluice(args)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    for (const r of [a, b]) {
      assert.match(r.stderr, /^\{"note":"joined pair as member-/m);
      assert.match(r.stderr, /"note":"left pair /);
    }

    const fromA = printed(a);
    const fromB = printed(b);
    assertOffsetOrder(fromA, 'first member');
    assertOffsetOrder(fromB, 'second member');
    assertCoverage([...fromA, ...fromB], 4, 50);
    assert.ok(fromA.length + fromB.length >= 200);

    const offsets = await committed('pair', 'grp-pair');
    assert.deepEqual([...offsets.values()], [50, 50, 50, 50]);
  });

  it('shares partitions between two --follow members, rebalances when one joins, and shows them in groups describe and list', async () => {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'grp-follow', partitions: 4 })).status, 201);
    await produce('grp-follow', 4, 0, 25);
    const args = ['--json', 'consume', 'grp-follow', '--group', 'followers', '--reset', 'earliest', ...SESSION, '--follow', '--commit-interval-ms', '200'];

    const a = start(args);
    await until('the first member to join', () => /joined followers/.test(a.stderr()));
    await until('the first member to commit', async () => [...(await committed('followers', 'grp-follow')).values()].every((o) => o === 25));
    const b = start(args);
    const described = await until('both members to own two partitions each', async () => {
      const r = await sluice(['--json', 'groups', 'describe', 'followers']);
      const body = JSON.parse(r.stdout);
      const owned = body.memberDetails.map((m: { assignment: { partitions: number[] }[] }) => m.assignment.flatMap((t) => t.partitions).length);
      return body.state === 'Stable' && owned.length === 2 && owned.every((n: number) => n === 2) ? body : undefined;
    });
    assert.ok(described.generation >= 2);
    assert.equal(described.members, 2);
    assert.deepEqual(
      described.memberDetails.flatMap((m: { assignment: { partitions: number[] }[] }) => m.assignment.flatMap((t) => t.partitions)).sort(),
      [0, 1, 2, 3],
    );
    assert.equal(described.partitions.length, 4);
    await until('the first member to notice the rebalance', () => /rebalanced: generation \d+, partitions grp-follow\/\d,\d \(lost grp-follow\/\d,\d\)/.test(a.stderr()));

    // New records go to both; each member prints its own partitions and commits them.
    await produce('grp-follow', 4, 25, 25);
    await until('the group to commit every record', async () => [...(await committed('followers', 'grp-follow')).values()].every((o) => o === 50));
    const caughtUp = JSON.parse((await sluice(['--json', 'groups', 'describe', 'followers'])).stdout);
    assert.equal(caughtUp.totalLag, 0);
    for (const p of caughtUp.partitions) assert.deepEqual([p.committedOffset, p.position, p.highWatermark, p.lag], [50, 50, 50, 0]);

    const text = await sluice(['groups', 'describe', 'followers']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^State: +Stable$/m);
    assert.match(text.stdout, /^MEMBER +TOPICS +ASSIGNMENT +LEASE-EXPIRES$/m);
    assert.match(text.stdout, /^TOPIC +PARTITION +COMMITTED +POSITION +HIGH-WATERMARK +LAG$/m);
    assert.match(text.stdout, /^grp-follow +3 +50 +50 +50 +0$/m);
    assert.match(text.stdout, /^Total lag: 0$/m);
    const list = JSON.parse((await sluice(['--json', 'groups', 'list'])).stdout);
    assert.deepEqual(
      list.groups.find((g: { group: string }) => g.group === 'followers'),
      { group: 'followers', generation: caughtUp.generation, assignor: 'sticky', members: 2, state: 'Stable' },
    );

    a.child.kill('SIGINT');
    b.child.kill('SIGINT');
    assert.equal(await a.exited, 0, a.stderr());
    assert.equal(await b.exited, 0, b.stderr());
    assert.match(a.stderr(), /"note":"left followers /);
    assert.match(b.stderr(), /"note":"left followers /);
    assertOffsetOrder(printed(a), 'first member');
    assertOffsetOrder(printed(b), 'second member');
    assertCoverage([...printed(a), ...printed(b)], 4, 50);
    // Both left: no live members, without waiting for their sessions to expire.
    assert.equal(JSON.parse((await sluice(['--json', 'groups', 'describe', 'followers'])).stdout).members, 0);
  });

  it('after a member is killed mid-run, a member started later goes on from the committed offsets', async () => {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'grp-crash', partitions: 4 })).status, 201);
    const args = ['--json', 'consume', 'grp-crash', '--group', 'crash', '--reset', 'earliest', ...SESSION, '--commit-interval-ms', '300'];
    const victim = start([...args, '--follow']);
    await until('the member to join', () => /joined crash/.test(victim.stderr()));

    // Records trickle in while it reads, 5 per partition at a time; it dies once it has printed 80 and committed some.
    const hasCommitted = async () => [...(await committed('crash', 'grp-crash')).values()].some((o) => o !== null && o > 0);
    let produced = 0;
    while (produced < 50) {
      await produce('grp-crash', 4, produced, 5);
      produced += 5;
      await new Promise((r) => setTimeout(r, 150));
      if (printed(victim).length >= 80 && (await hasCommitted())) break;
    }
    await until('the member to print 80 records and commit', async () => printed(victim).length >= 80 && (await hasCommitted()));
    victim.child.kill('SIGKILL');
    assert.equal(await victim.exited, -1);
    await new Promise((r) => setTimeout(r, 300)); // a commit the victim sent just before dying lands
    const atKill = await committed('crash', 'grp-crash');
    if (produced < 50) await produce('grp-crash', 4, produced, 50 - produced);

    // Print-then-commit: the victim printed everything below each committed offset.
    const byVictim = printed(victim);
    for (const [p, offset] of atKill) {
      for (let o = 0; o < (offset ?? 0); o++) assert.ok(byVictim.some((r) => r.partition === p && r.offset === o), `${p}/${o} committed but not printed`);
    }

    // Its lease lapses after the session timeout; then a new member gets every partition.
    await until('the killed member’s lease to lapse', async () => JSON.parse((await sluice(['--json', 'groups', 'describe', 'crash'])).stdout).members === 0);
    const successor = await sluice(args);
    assert.equal(successor.code, 0, successor.stderr);
    assert.match(successor.stderr, /joined crash as member-\S+, generation \d+, partitions grp-crash\/0,1,2,3/);
    const bySuccessor = printed(successor);
    assertOffsetOrder(bySuccessor, 'successor');
    for (let p = 0; p < 4; p++) {
      const mine = bySuccessor.filter((r) => r.partition === p).map((r) => r.offset);
      const from = atKill.get(p) ?? 0;
      assert.deepEqual(mine, Array.from({ length: 50 - from }, (_, i) => from + i), `partition ${p} resumes at the committed offset ${from}`);
    }
    assertCoverage([...byVictim, ...bySuccessor], 4, 50);
    assert.deepEqual([...(await committed('crash', 'grp-crash')).values()], [50, 50, 50, 50]);
  });
});

describe('sluice groups reset-offsets, delete-offsets and delete', () => {
  before(async () => {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'adm-orders', partitions: 2 })).status, 201);
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'adm-other', partitions: 1 })).status, 201);
    await produce('adm-orders', 2, 0, 4);
    const offsets = [0, 1].map((partition) => ({ topic: 'adm-orders', partition, offset: 1 }));
    assert.equal((await call(env.url, 'POST', '/v1/groups/adm/offsets', { offsets: [...offsets, { topic: 'adm-other', partition: 0, offset: 0 }] })).status, 200);
  });

  it('--dry-run prints the plan per partition as a table and writes nothing', async () => {
    const run = await sluice(['groups', 'reset-offsets', 'adm', '--topic', 'adm-orders', '--to-latest', '--dry-run']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split('\n');
    assert.match(lines[0]!, /^TOPIC\s+PARTITION\s+PREVIOUS-OFFSET\s+NEW-OFFSET\s+LOG-START-OFFSET\s+HIGH-WATERMARK$/);
    assert.match(lines[1]!, /^adm-orders\s+0\s+1\s+4\s+0\s+4$/);
    assert.match(lines[2]!, /^adm-orders\s+1\s+1\s+4\s+0\s+4$/);
    assert.match(run.stdout, /Dry run: nothing was written/);
    assert.deepEqual([...(await committed('adm', 'adm-orders')).values()], [1, 1]);
  });

  it('--to-offset on one partition with --json prints the API answer, clamped, and sets only that partition', async () => {
    const run = await sluice(['--json', 'groups', 'reset-offsets', 'adm', '--topic', 'adm-orders', '--partitions', '1', '--to-offset', '99']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      group: 'adm',
      topic: 'adm-orders',
      dryRun: false,
      partitions: [{ partition: 1, previousOffset: 1, offset: 4, logStartOffset: 0, highWatermark: 4, clamped: true }],
    });
    assert.deepEqual([...(await committed('adm', 'adm-orders')).values()], [1, 4]);
  });

  it('--to-datetime reads an ISO 8601 time and --to-earliest resets every partition', async () => {
    const future = await sluice(['groups', 'reset-offsets', 'adm', '--topic', 'adm-orders', '--to-datetime', '2999-01-01T00:00:00Z']);
    assert.equal(future.code, 0, future.stderr);
    assert.match(future.stdout, /Reset group 'adm' on 2 partitions of 'adm-orders'/);
    assert.deepEqual([...(await committed('adm', 'adm-orders')).values()], [4, 4]);
    const earliest = await sluice(['groups', 'reset-offsets', 'adm', '--topic', 'adm-orders', '--to-earliest']);
    assert.equal(earliest.code, 0, earliest.stderr);
    assert.deepEqual([...(await committed('adm', 'adm-orders')).values()], [0, 0]);
  });

  it('refuses no --to-* option, or two, as a usage error (exit 2), and a bad time naming the rule', async () => {
    for (const args of [[], ['--to-earliest', '--to-latest']]) {
      const run = await sluice(['groups', 'reset-offsets', 'adm', '--topic', 'adm-orders', ...args]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset/);
    }
    const badTime = await sluice(['groups', 'reset-offsets', 'adm', '--topic', 'adm-orders', '--to-datetime', 'yesterday']);
    assert.equal(badTime.code, 2);
    assert.match(badTime.stderr, /must be an ISO 8601 date-time/);
  });

  it('refuses a group with live members: error GROUP_ACTIVE, exit 1, as text and as JSON', async () => {
    const joined = await call(env.url, 'POST', '/v1/groups/adm-busy/members', { topics: ['adm-orders'], sessionTimeoutMs: 30_000 });
    assert.equal(joined.status, 201);
    const text = await sluice(['groups', 'delete', 'adm-busy']);
    assert.equal(text.code, 1);
    assert.match(text.stderr, /^error: GROUP_ACTIVE: Group 'adm-busy' has active members/);
    const json = await sluice(['--json', 'groups', 'reset-offsets', 'adm-busy', '--topic', 'adm-orders', '--to-latest']);
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stderr).error.code, 'GROUP_ACTIVE');
    assert.equal((await call(env.url, 'DELETE', `/v1/groups/adm-busy/members/${joined.body.memberId}`)).status, 204);
  });

  it('delete-offsets removes one topic\'s offsets (text), then delete removes the group (--json)', async () => {
    const offsets = await sluice(['groups', 'delete-offsets', 'adm', '--topic', 'adm-orders']);
    assert.equal(offsets.code, 0, offsets.stderr);
    assert.equal(offsets.stdout, "Deleted the committed offsets of group 'adm' on 'adm-orders': 2 partitions (0, 1).\n");
    assert.deepEqual([...(await committed('adm', 'adm-other')).values()], [0]);
    const deleted = await sluice(['--json', 'groups', 'delete', 'adm']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(JSON.parse(deleted.stdout), { group: 'adm', deleted: true });
    assert.equal((await call(env.url, 'GET', '/v1/groups/adm/offsets')).status, 404);
  });
});
