/**
 * SluiceConsumer's error paths against the in-process fake server: refused commits and
 * lost membership (group mode), fetch positions outside the log, retriable and
 * non-retriable failures of fetches, commits and joins, close() during a long-poll, and
 * offsets-for-times past the last record. The happy paths run against the real local
 * platform in consumer.test.ts.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { SluiceConsumer, type ConsumerRecord, type SluiceConsumerOptions, type TopicPartition } from '../../../lib/client/consumer';
import { SluiceApiError, SluiceHttpClient } from '../../../lib/client/sluice-http-client';
import { FakeGroupServer, type SeenRequest } from './fake-group-server';

const servers: FakeGroupServer[] = [];
const consumers: SluiceConsumer[] = [];
after(async () => {
  await Promise.allSettled(consumers.map((c) => c.close()));
  servers.forEach((s) => s.close());
});

async function fake(): Promise<FakeGroupServer> {
  const server = await new FakeGroupServer().start();
  servers.push(server);
  return server;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A consumer whose callbacks and notes the test can read, iterated in the background into `records`. */
function consumer(server: FakeGroupServer | SluiceHttpClient, options: SluiceConsumerOptions) {
  const notes: string[] = [];
  const assigned: TopicPartition[][] = [];
  const revoked: TopicPartition[][] = [];
  const records: ConsumerRecord[] = [];
  /** How many records had been iterated when each revoke was called. */
  const revokedAt: number[] = [];
  const client = server instanceof SluiceHttpClient ? server : new SluiceHttpClient(server.url);
  const made = new SluiceConsumer(client, {
    encoding: 'utf8',
    waitMs: 300,
    autoCommitIntervalMs: 50,
    note: (m) => notes.push(m),
    onAssign: (tps) => void assigned.push(tps),
    onRevoke: (tps) => {
      revoked.push(tps);
      revokedAt.push(records.length);
    },
    ...options,
  });
  consumers.push(made);
  const state = { error: undefined as unknown, ended: false };
  const iterate = async (): Promise<void> => {
    try {
      for await (const r of made) records.push(r);
    } catch (err) {
      state.error = err;
    } finally {
      state.ended = true;
    }
  };
  let iteration: Promise<void> | undefined;
  return {
    consumer: made,
    notes,
    assigned,
    revoked,
    revokedAt,
    records,
    state,
    /** Starts iterating in the background (once). */
    iterate: () => (iteration ??= iterate()),
    get iteration() {
      return iteration;
    },
  };
}

const offsetsOf = (records: ConsumerRecord[], partition: number): number[] => records.filter((r) => r.partition === partition).map((r) => r.offset);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const tp = (partition: number, topic = 'orders'): TopicPartition => ({ topic, partition });
const fetchesOf = (server: FakeGroupServer, partition = 0, topic = 'orders'): SeenRequest[] => server.requests.filter((r) => r.method === 'GET' && r.path === `/v1/topics/${topic}/partitions/${partition}/records`);
const leaves = (server: FakeGroupServer, group: string): SeenRequest[] => server.requests.filter((r) => r.method === 'DELETE' && r.path.startsWith(`/v1/groups/${group}/members/`));
const joins = (server: FakeGroupServer, group: string): SeenRequest[] => server.requests.filter((r) => r.method === 'POST' && r.path === `/v1/groups/${group}/members`);

/** Accepted commit offsets of one partition, in order, must never decrease. */
function assertNeverBack(server: FakeGroupServer, partition: number, topic = 'orders'): number[] {
  const offsets = server.accepted.filter((c) => c.topic === topic && c.partition === partition).map((c) => c.offset);
  for (let i = 1; i < offsets.length; i++) assert.ok(offsets[i]! >= offsets[i - 1]!, `${topic}/${partition} committed ${offsets[i - 1]} then ${offsets[i]}: ${offsets.join(',')}`);
  return offsets;
}

function isApiError(code: string, status: number): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof SluiceApiError, `expected a SluiceApiError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    assert.equal(err.retriable, false);
    return true;
  };
}

describe('SluiceConsumer error paths', { concurrency: true }, () => {
  // ---------------------------------------------------------------------------
  // Membership

  test('a commit refused with ILLEGAL_GENERATION: it heartbeats, revokes the lost partition, assigns the gained one, goes on; committed offsets never go back', async () => {
    const server = await fake();
    server.createTopic('orders', 3);
    for (const p of [0, 1, 2]) server.append('orders', p, 3);
    const group = server.group('g', { resetPolicy: 'earliest', auto: false });
    // Partition 1 is never read from offset 3 here: that fetch hangs until abandoned, so this member holds a position
    // behind the one the other member commits, and must not commit it.
    const client = new SluiceHttpClient({
      baseUrl: server.url,
      fetch: (input, init) =>
        String(input).includes('/partitions/1/records?offset=3&')
          ? new Promise((_, reject) => init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason), { once: true }))
          : globalThis.fetch(input, init),
    });
    // A long session: heartbeats are 10 s apart once settled, so the refused commit is what finds the new generation.
    const c = consumer(client, { groupId: 'g', topics: ['orders'], sessionTimeoutMs: 30_000, autoCommitIntervalMs: 100 });
    c.iterate();
    await until('the member to join', () => server.memberIds('g').length === 1);
    const [me] = server.memberIds('g');
    const first = server.assign('g', 'orders', { [me!]: [0, 1], other: [2] });
    await until('partitions 0 and 1 to be committed', () => group.committed.get('orders#0') === 3 && group.committed.get('orders#1') === 3);
    // Settled, it heartbeats only every 10 s: wait out the fast heartbeats of the rebalance.
    const heartbeats = (): SeenRequest[] => server.requests.filter((r) => r.path.endsWith('/heartbeat'));
    await until('heartbeats to slow down', () => Date.now() - (heartbeats().at(-1)?.at ?? 0) > 500);
    const heartbeatsBefore = heartbeats().length;

    // Without a heartbeat in between, the group moves on twice: in a generation this member never sees, another
    // member owns everything and commits partition 1 to 5 and partition 2 to 1; then this member keeps 1, gets 2, loses 0.
    server.append('orders', 1, 4);
    server.assign('g', 'orders', { other: [0, 1, 2] });
    group.committed.set('orders#1', 5);
    group.committed.set('orders#2', 1);
    const generation = server.assign('g', 'orders', { [me!]: [1, 2], other: [0] });
    server.append('orders', 0, 2); // read in the old generation: its commit is refused

    await until('the new generation', () => c.consumer.member.generation === generation);
    await until('the gained partition to be read', () => offsetsOf(c.records, 2).length === 2);
    const refused = server.commits('g').filter((r) => r.body.generation === first && r.status === 409);
    assert.ok(refused.length > 0, 'a commit of the old generation was refused');
    assert.ok(heartbeats().length > heartbeatsBefore, 'the refusal made it heartbeat');
    assert.ok(c.notes.some((n) => n.startsWith('auto-commit did not go through (ILLEGAL_GENERATION: ')));
    assert.deepEqual(c.assigned, [[tp(0), tp(1)], [tp(2)]]);
    assert.deepEqual(c.revoked, [[tp(0)]]);

    // It goes on with the new generation.
    server.append('orders', 1, 3);
    server.append('orders', 2, 3);
    await until('partitions 1 and 2 to be committed in the new generation', () => group.committed.get('orders#1') === 10 && group.committed.get('orders#2') === 6);
    await c.consumer.close();
    await c.iteration;
    assert.equal(c.state.error, undefined);

    assert.ok(c.records.slice(c.revokedAt[0]).every((r) => r.partition !== 0), 'nothing from the lost partition after its revoke');
    assert.deepEqual(offsetsOf(c.records, 2), range(1, 6), 'the gained partition starts at the group’s committed offset');
    // Partition 1, kept: it goes on from the other member's 5, not from its own 3.
    assert.deepEqual(offsetsOf(c.records, 1), [...range(0, 3), ...range(5, 10)]);
    for (const r of server.accepted.filter((x) => x.generation === generation)) {
      assert.notEqual(r.partition, 0, 'the lost partition is not committed in the new generation');
      if (r.partition === 1) assert.ok(r.offset >= 5, `partition 1 committed back to ${r.offset} after the other member’s 5`);
    }
    for (const p of [0, 1, 2]) assertNeverBack(server, p);
    assert.equal(group.committed.get('orders#0'), 3, 'the lost partition stays where this member left it');
    assert.deepEqual(server.memberIds('g'), []);
  });

  test('UNKNOWN_MEMBER on a heartbeat: it revokes everything, joins again as a new member and resumes from the committed offsets', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 4);
    const group = server.group('g', { resetPolicy: 'earliest' });
    // Heartbeats every ~330 ms; nothing new to commit, so the heartbeat is what finds the membership gone.
    const c = consumer(server, { groupId: 'g', topics: ['orders'], sessionTimeoutMs: 1000 });
    c.iterate();
    await until('the first commit', () => group.committed.get('orders#0') === 4);
    const [first] = server.memberIds('g');
    assert.equal(c.consumer.member.memberId, first);
    server.expel('g', first!);
    await until('a new member', () => server.memberIds('g').length === 1 && server.memberIds('g')[0] !== first);
    await until('the partition to be assigned again', () => c.assigned.length === 2);
    server.append('orders', 0, 3);
    await until('the new records to be committed', () => group.committed.get('orders#0') === 7);
    await c.consumer.close();
    await c.iteration;

    const refusedHeartbeat = server.requests.find((r) => r.path === `/v1/groups/g/members/${first}/heartbeat` && r.status === 404);
    assert.ok(refusedHeartbeat, 'a heartbeat of the old member was answered UNKNOWN_MEMBER');
    assert.ok(c.notes.some((n) => n.startsWith(`${first} is no longer a member of g (UNKNOWN_MEMBER: `)));
    assert.notEqual(c.consumer.member.memberId, first);
    assert.equal(joins(server, 'g').length, 2);
    assert.deepEqual(c.revoked, [[tp(0)]]);
    assert.deepEqual(c.assigned, [[tp(0)], [tp(0)]]);
    // Resumed at the committed 4: nothing read twice, nothing skipped.
    assert.deepEqual(offsetsOf(c.records, 0), range(0, 7));
    assert.ok(server.accepted.every((a) => a.memberId !== first || a.offset <= 4), 'the old member committed nothing after it was expelled');
    assertNeverBack(server, 0);
    assert.deepEqual(server.memberIds('g'), []);
  });

  // ---------------------------------------------------------------------------
  // Fetch positions outside the log

  test('a committed offset past the high watermark: OFFSET_OUT_OF_RANGE resets to earliest, and the commits follow the records read', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 3);
    const group = server.group('g', { resetPolicy: 'earliest' });
    group.committed.set('orders#0', 10);
    const c = consumer(server, { groupId: 'g', topics: ['orders'], resetPolicy: 'earliest' });
    c.iterate();
    await until('the records', () => c.records.length === 3);
    // Committing 10 again would skip records 3..9 once they exist: the next owner would start at 10.
    await until('the position after the records to be committed', () => group.committed.get('orders#0') === 3);
    server.append('orders', 0, 9);
    await until('the later records', () => group.committed.get('orders#0') === 12);
    await c.consumer.close();
    await c.iteration;
    assert.equal(c.state.error, undefined);
    assert.deepEqual(offsetsOf(c.records, 0), range(0, 12));
    assert.ok(c.notes.includes('orders/0: offset 10 is out of range 0..3; resetting to earliest (0)'));
    assert.equal(fetchesOf(server).find((r) => r.query.get('offset') === '10')?.status, 416);
  });

  test('a committed offset before the log start (retention): OFFSET_OUT_OF_RANGE resets to latest', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 5);
    server.truncate('orders', 0, 3);
    const group = server.group('g', { resetPolicy: 'latest' });
    group.committed.set('orders#0', 1);
    const c = consumer(server, { groupId: 'g', topics: ['orders'], resetPolicy: 'latest' });
    c.iterate();
    await until('the reset', () => c.notes.includes('orders/0: offset 1 is out of range 3..5; resetting to latest (5)'));
    await until('the reset position to be committed', () => group.committed.get('orders#0') === 5);
    server.append('orders', 0, 2);
    await until('the new records', () => c.records.length === 2);
    await c.consumer.close();
    assert.deepEqual(offsetsOf(c.records, 0), [5, 6]);
    assert.equal(group.committed.get('orders#0'), 7);
    assertNeverBack(server, 0);
  });

  test('a committed offset past the log resets by the group’s policy when the consumer names none', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 3);
    server.group('g', { resetPolicy: 'earliest' }).committed.set('orders#0', 10);
    // The first member set earliest for the group; this one gives no policy, so the group's applies, as it does to
    // partitions the group never committed (the server's position) and in GroupConsumer.
    const c = consumer(server, { groupId: 'g', topics: ['orders'] });
    c.iterate();
    await until('the reset', () => c.notes.some((n) => n.startsWith('orders/0: offset 10 is out of range 0..3; resetting to ')));
    await until('the records', () => c.records.length === 3);
    await c.consumer.close();
    assert.deepEqual(offsetsOf(c.records, 0), [0, 1, 2]);
    assert.ok(c.notes.includes('orders/0: offset 10 is out of range 0..3; resetting to earliest (0)'));
  });

  test('manual assignment: a seek past the end resets by the consumer’s policy', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 3);
    const c = consumer(server, { resetPolicy: 'earliest' });
    await c.consumer.assign([tp(0)]);
    assert.equal(c.consumer.position(tp(0)), 0);
    c.consumer.seek(tp(0), 50);
    c.iterate();
    await until('the records', () => c.records.length === 3);
    await c.consumer.close();
    assert.deepEqual(offsetsOf(c.records, 0), [0, 1, 2]);
    assert.equal(c.consumer.position(tp(0)), 3);
    assert.ok(c.notes.includes('orders/0: offset 50 is out of range 0..3; resetting to earliest (0)'));
  });

  // ---------------------------------------------------------------------------
  // Retriable fetch failures

  test('a fetch answered 503 is retried with backoff; no record is lost or read twice', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 3);
    const group = server.group('g', { resetPolicy: 'earliest' });
    server.inject('GET', /\/records$/, 503, { error: { code: 'SERVICE_BUSY', message: 'busy', retriable: true } }, 2);
    const c = consumer(server, { groupId: 'g', topics: ['orders'] });
    c.iterate();
    await until('the first records', () => c.records.length === 3);
    server.append('orders', 0, 3);
    await until('the later records to be committed', () => group.committed.get('orders#0') === 6);
    await c.consumer.close();
    await c.iteration;
    assert.equal(c.state.error, undefined);
    assert.deepEqual(offsetsOf(c.records, 0), range(0, 6));
    const fetches = fetchesOf(server);
    assert.deepEqual(
      fetches.slice(0, 3).map((r) => [r.query.get('offset'), r.status]),
      [
        ['0', 503],
        ['0', 503],
        ['0', 200],
      ],
    );
    // Loose lower bounds: the backoff starts at 250 ms and doubles.
    assert.ok(fetches[1]!.at - fetches[0]!.at >= 200, `retried after ${fetches[1]!.at - fetches[0]!.at} ms, without backing off`);
    assert.ok(fetches[2]!.at - fetches[1]!.at >= 400, `retried again after ${fetches[2]!.at - fetches[1]!.at} ms, without backing off more`);
    assert.ok(c.notes.includes('fetching orders/0 failed (SERVICE_BUSY: busy); retrying'));
  });

  test('a fetch that cannot reach the server is retried; no record is lost or read twice', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 5);
    server.group('g', { resetPolicy: 'earliest' });
    let cut = 2;
    const attempts: number[] = [];
    const client = new SluiceHttpClient({
      baseUrl: server.url,
      fetch: (input, init) => {
        if (String(input).includes('/records')) {
          attempts.push(Date.now());
          if (cut > 0) {
            cut--;
            return Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') }));
          }
        }
        return globalThis.fetch(input, init);
      },
    });
    const c = consumer(client, { groupId: 'g', topics: ['orders'] });
    c.iterate();
    await until('the records', () => c.records.length === 5);
    await c.consumer.close();
    await c.iteration;
    assert.equal(c.state.error, undefined);
    assert.deepEqual(offsetsOf(c.records, 0), range(0, 5));
    assert.ok(attempts.length >= 3);
    assert.ok(attempts[1]! - attempts[0]! >= 200 && attempts[2]! - attempts[1]! >= 200, `attempts ${attempts.map((t) => t - attempts[0]!).join(',')} ms apart`);
    assert.ok(c.notes.some((n) => n.startsWith('fetching orders/0 failed (CONNECTION_FAILED: ')));
    assert.equal(server.groups.get('g')!.committed.get('orders#0'), 5);
  });

  test('a fetch over quota (429 with retryAfterSeconds) is retried no sooner than the server asked', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 3);
    server.group('g', { resetPolicy: 'earliest' });
    server.inject('GET', /\/records$/, 429, { error: { code: 'QUOTA_EXCEEDED', message: 'over quota', retriable: true, kind: 'fetch', limit: 1000, retryAfterSeconds: 1 } });
    const c = consumer(server, { groupId: 'g', topics: ['orders'] });
    c.iterate();
    await until('the records', () => c.records.length === 3);
    await c.consumer.close();
    assert.deepEqual(offsetsOf(c.records, 0), [0, 1, 2]);
    const [refused, next] = fetchesOf(server);
    assert.equal(refused?.status, 429);
    // A loose lower bound only: the first backoff without Retry-After is 250 ms.
    assert.ok(next!.at - refused!.at >= 900, `retried ${next!.at - refused!.at} ms after a Retry-After of 1 s`);
  });

  // ---------------------------------------------------------------------------
  // Non-retriable failures

  test('a fetch refused with ACCESS_DENIED ends the iteration with the typed error, once; close() still commits and leaves', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 3);
    const group = server.group('g', { resetPolicy: 'earliest' });
    const c = consumer(server, { groupId: 'g', topics: ['orders'], autoCommitIntervalMs: 60_000 });
    c.iterate();
    await until('the records', () => c.records.length === 3);
    // The pending long-poll ends empty; the next fetch is refused.
    server.inject('GET', /\/records$/, 403, { error: { code: 'ACCESS_DENIED', message: 'no READ on orders', retriable: false, operation: 'READ' } }, 100);
    await c.iteration;
    assert.ok(isApiError('ACCESS_DENIED', 403)(c.state.error));
    assert.equal((c.state.error as SluiceApiError).details.operation, 'READ');
    assert.equal(fetchesOf(server).filter((r) => r.status === 403).length, 1, 'a non-retriable error is not retried');
    const memberId = c.consumer.member.memberId;
    await c.consumer.close();
    assert.deepEqual(leaves(server, 'g').map((r) => r.path), [`/v1/groups/g/members/${memberId}`]);
    assert.deepEqual(server.memberIds('g'), []);
    assert.equal(group.committed.get('orders#0'), 3, 'close() committed what was iterated past');
  });

  test('a heartbeat refused with ACCESS_DENIED ends the iteration with the typed error; close() still leaves', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 2);
    server.group('g', { resetPolicy: 'earliest' });
    const c = consumer(server, { groupId: 'g', topics: ['orders'], sessionTimeoutMs: 1000 });
    c.iterate();
    await until('the records', () => c.records.length === 2);
    server.inject('POST', /\/heartbeat$/, 403, { error: { code: 'ACCESS_DENIED', message: 'no READ on group g', retriable: false } }, 100);
    await c.iteration;
    assert.ok(isApiError('ACCESS_DENIED', 403)(c.state.error));
    assert.equal(server.requests.filter((r) => r.path.endsWith('/heartbeat') && r.status === 403).length, 1, 'a non-retriable error is not retried');
    await c.consumer.close();
    assert.equal(leaves(server, 'g').length, 1);
    assert.deepEqual(server.memberIds('g'), []);
  });

  test('manual assignment: a fetch of a deleted topic ends the iteration with TOPIC_NOT_FOUND; close() resolves without a membership to leave', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 2);
    const c = consumer(server, { resetPolicy: 'earliest' });
    await c.consumer.assign([tp(0)]);
    c.iterate();
    await until('the records', () => c.records.length === 2);
    server.topics.delete('orders');
    await c.iteration;
    assert.ok(isApiError('TOPIC_NOT_FOUND', 404)(c.state.error));
    await c.consumer.close();
    assert.equal(server.requests.filter((r) => r.path.startsWith('/v1/groups')).length, 0);
  });

  test('a join refused with TOPIC_NOT_FOUND surfaces to the iterator, without retrying; close() resolves', async () => {
    const server = await fake();
    const c = consumer(server, { groupId: 'g', topics: ['missing'] });
    c.iterate();
    await c.iteration;
    assert.ok(isApiError('TOPIC_NOT_FOUND', 404)(c.state.error));
    await c.consumer.close();
    assert.equal(joins(server, 'g').length, 1);
    assert.equal(leaves(server, 'g').length, 0);
  });

  // ---------------------------------------------------------------------------
  // Commits

  test('a retriable auto-commit failure is retried at the next interval, and iteration goes on', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 3);
    const group = server.group('g', { resetPolicy: 'earliest' });
    group.committed.set('orders#0', 0);
    const c = consumer(server, { groupId: 'g', topics: ['orders'], autoCommitIntervalMs: 200 });
    c.iterate();
    await until('the records', () => c.records.length === 3);
    server.inject('POST', /\/offsets$/, 503, { error: { code: 'COMMIT_CONTENDED', message: 'busy', retriable: true } });
    await until('the commit', () => group.committed.get('orders#0') === 3);
    server.append('orders', 0, 2);
    await until('later records to be committed', () => group.committed.get('orders#0') === 5);
    await c.consumer.close();
    await c.iteration;
    assert.equal(c.state.error, undefined);
    const commits = server.commits('g');
    const failed = commits.findIndex((r) => r.status === 503);
    assert.ok(failed >= 0);
    const retry = commits[failed + 1]!;
    assert.equal(retry.status, 200);
    assert.deepEqual(retry.body.offsets, commits[failed]!.body.offsets);
    assert.ok(retry.at - commits[failed]!.at >= 150, `tried again after ${retry.at - commits[failed]!.at} ms, not at the next interval`);
    assert.ok(c.notes.includes('auto-commit did not go through (COMMIT_CONTENDED: busy)'));
    assert.deepEqual(offsetsOf(c.records, 0), range(0, 5));
  });

  test('a non-retriable auto-commit failure ends the iteration with the typed error; close() leaves', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 3);
    server.group('g', { resetPolicy: 'earliest' }).committed.set('orders#0', 0);
    const c = consumer(server, { groupId: 'g', topics: ['orders'], autoCommitIntervalMs: 100 });
    server.inject('POST', /\/offsets$/, 403, { error: { code: 'ACCESS_DENIED', message: 'no READ on group g', retriable: false } }, 100);
    c.iterate();
    await c.iteration;
    assert.ok(isApiError('ACCESS_DENIED', 403)(c.state.error));
    await c.consumer.close();
    assert.equal(leaves(server, 'g').length, 1);
    assert.deepEqual(server.memberIds('g'), []);
  });

  test('commit() refused non-retriably rejects with the typed error and commits nothing; a later commit() goes through', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 3);
    const group = server.group('g', { resetPolicy: 'earliest' });
    const c = consumer(server, { groupId: 'g', topics: ['orders'], autoCommit: false });
    c.iterate();
    await until('the records', () => c.records.length === 3);
    await sleep(20); // the iterator has asked for the next record: the third counts as consumed
    server.inject('POST', /\/offsets$/, 403, { error: { code: 'ACCESS_DENIED', message: 'no READ on group g', retriable: false } });
    await assert.rejects(c.consumer.commit(), isApiError('ACCESS_DENIED', 403));
    assert.equal(group.committed.get('orders#0'), undefined);
    await c.consumer.commit();
    assert.equal(group.committed.get('orders#0'), 3);
    await c.consumer.close();
    assert.equal(c.state.error, undefined);
    assert.equal(server.commits('g').length, 2, 'autoCommit off: close() does not commit');
  });

  test('commit() after a rebalance rejects with ILLEGAL_GENERATION, and the consumer takes the new generation', async () => {
    const server = await fake();
    server.createTopic('orders', 2);
    server.append('orders', 0, 3);
    server.append('orders', 1, 3);
    const group = server.group('g', { resetPolicy: 'earliest', auto: false });
    const c = consumer(server, { groupId: 'g', topics: ['orders'], autoCommit: false, sessionTimeoutMs: 30_000 });
    c.iterate();
    await until('the member to join', () => server.memberIds('g').length === 1);
    const [me] = server.memberIds('g');
    server.assign('g', 'orders', { [me!]: [0, 1] });
    await until('the records', () => c.records.length === 6);
    const generation = server.assign('g', 'orders', { [me!]: [1], other: [0] });
    await assert.rejects(c.consumer.commit(), (err) => {
      assert.ok(isApiError('ILLEGAL_GENERATION', 409)(err));
      assert.equal((err as SluiceApiError).details.currentGeneration, generation);
      return true;
    });
    assert.equal(group.committed.size, 0);
    await until('the new generation', () => c.consumer.member.generation === generation);
    await until('the revoke', () => c.revoked.length === 1);
    assert.deepEqual(c.revoked, [[tp(0)]]);
    assert.deepEqual(c.consumer.assignment(), [tp(1)]);
    await c.consumer.commit();
    assert.equal(group.committed.get('orders#1'), 3);
    assert.equal(group.committed.has('orders#0'), false);
    await c.consumer.close();
  });

  test('manual assignment: commit() while the group has live members rejects with GROUP_ACTIVE', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 3);
    const group = server.group('g', { resetPolicy: 'earliest', auto: false });
    await new SluiceHttpClient(server.url).joinGroup('g', { topics: ['orders'] });
    const c = consumer(server, { groupId: 'g', resetPolicy: 'earliest', autoCommit: false });
    await c.consumer.assign([tp(0)]);
    c.iterate();
    await until('the records', () => c.records.length === 3);
    await sleep(20);
    await assert.rejects(c.consumer.commit(), isApiError('GROUP_ACTIVE', 409));
    assert.equal(group.committed.size, 0);
    await c.consumer.close();
    assert.equal(c.state.error, undefined);
  });

  // ---------------------------------------------------------------------------
  // close() during a long-poll

  test('close() during a pending long-poll returns promptly, abandons the poll, ends the iteration and leaves', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.group('g', { resetPolicy: 'earliest' });
    const c = consumer(server, { groupId: 'g', topics: ['orders'], waitMs: 10_000 });
    c.iterate();
    await until('a long-poll', () => fetchesOf(server).some((r) => r.query.get('waitMs') === '10000'));
    await sleep(50);
    const poll = fetchesOf(server).find((r) => r.query.get('waitMs') === '10000')!;
    assert.equal(poll.status, undefined, 'the poll is still pending');
    const memberId = c.consumer.member.memberId;
    const started = Date.now();
    await c.consumer.close();
    await c.iteration;
    const took = Date.now() - started;
    assert.ok(took < 5000, `close() took ${took} ms during a 10 s long-poll`);
    assert.ok(c.state.ended);
    assert.equal(c.state.error, undefined);
    await until('the poll’s connection to close', () => poll.closedAt !== undefined);
    assert.equal(poll.status, undefined, 'abandoned, not answered');
    assert.deepEqual(leaves(server, 'g').map((r) => r.path), [`/v1/groups/g/members/${memberId}`]);
    assert.deepEqual(server.memberIds('g'), []);
  });

  test('manual assignment: close() during a pending long-poll returns promptly and ends the iteration', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    const c = consumer(server, { waitMs: 10_000 });
    await c.consumer.assign([tp(0)]);
    c.iterate();
    await until('a long-poll', () => fetchesOf(server).some((r) => r.query.get('waitMs') === '10000'));
    const started = Date.now();
    await c.consumer.close();
    await c.iteration;
    assert.ok(Date.now() - started < 5000);
    assert.ok(c.state.ended);
    assert.equal(c.state.error, undefined);
  });

  // ---------------------------------------------------------------------------
  // Offsets for times

  test('seekToTimestamp past the last record lands at the high watermark: only later records come', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.appendAt('orders', 0, [1000, 2000, 3000, 4000, 5000]);
    const c = consumer(server, { resetPolicy: 'earliest' });
    await c.consumer.assign([tp(0)]);
    assert.equal(await c.consumer.seekToTimestamp(tp(0), 9999), 5);
    assert.equal(c.consumer.position(tp(0)), 5);
    c.iterate();
    await until('a long-poll at the end', () => fetchesOf(server).some((r) => r.query.get('offset') === '5' && r.query.has('waitMs')));
    server.appendAt('orders', 0, [10_000]);
    await until('the later record', () => c.records.length === 1);
    await c.consumer.close();
    assert.deepEqual(
      c.records.map((r) => [r.offset, r.timestamp]),
      [[5, 10_000]],
    );
    assert.ok(fetchesOf(server).every((r) => Number(r.query.get('offset')) >= 5), 'nothing before the high watermark was fetched');
  });
});
