/**
 * SluiceConsumer as `sluice consume --group` runs it, against the in-process fake server:
 * group positions, commits past what was handed out, bounded runs (`stopAtEnd`,
 * `maxRecords`), rebalances and their notes, rejoining, resets and long-polls. Ported from
 * the tests of the former GroupConsumer, which this engine replaced.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { SluiceConsumer, type ConsumerRecord, type ConsumerRunLimits, type SluiceConsumerOptions } from '../../../lib/client/consumer';
import { SluiceHttpClient } from '../../../lib/client/sluice-http-client';
import { FakeGroupServer } from './fake-group-server';

const servers: FakeGroupServer[] = [];
after(() => servers.forEach((s) => s.close()));

async function fake(): Promise<FakeGroupServer> {
  const server = await new FakeGroupServer().start();
  servers.push(server);
  return server;
}

interface Delivered {
  partition: number;
  offset: number;
  value: string;
}

interface RunOptions extends SluiceConsumerOptions {
  group: string;
  topic: string;
  /** Called with each batch after it was recorded, before the next is asked for. */
  deliver?(batch: ConsumerRecord[]): void | Promise<void>;
}

/** A consumer iterated in the background as the CLI does (batches), whose deliveries and notes the test can read while it runs. */
function consumer(server: FakeGroupServer, options: RunOptions, limits: ConsumerRunLimits = { stopAtEnd: true }) {
  const { group, topic, deliver, ...rest } = options;
  const delivered: Delivered[] = [];
  const notes: string[] = [];
  let stopped = false;
  const made = new SluiceConsumer(new SluiceHttpClient(server.url), { groupId: group, topics: [topic], autoCommitIntervalMs: 50, waitMs: 300, note: (m) => notes.push(m), ...rest }, limits);
  const running = (async () => {
    try {
      for await (const batch of made.batches()) {
        for (const r of batch) delivered.push({ partition: r.partition, offset: r.offset, value: Buffer.from(r.value ?? '', 'base64').toString('utf8') });
        await deliver?.(batch);
      }
    } finally {
      await made.close();
    }
    return { endedByItself: !stopped, records: delivered.length, ...made.member };
  })();
  running.catch(() => {}); // a test that fails early must not leave an unhandled rejection behind
  const stop = (): void => {
    stopped = true;
    void made.close();
  };
  return { delivered, notes, stop, running };
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const offsetsOf = (delivered: Delivered[], partition: number): number[] => delivered.filter((d) => d.partition === partition).map((d) => d.offset);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const FOLLOW: ConsumerRunLimits = {};

describe('SluiceConsumer runs (consume --group)', { concurrency: true }, () => {
  test('reads its partitions from the group positions, in offset order, commits past what it delivered with its member id and generation, and leaves', async () => {
    const server = await fake();
    server.createTopic('orders', 2);
    server.append('orders', 0, 5);
    server.append('orders', 1, 5);
    server.group('g', { resetPolicy: 'earliest' }).committed.set('orders#0', 2);
    const c = consumer(server, { group: 'g', topic: 'orders', sessionTimeoutMs: 3000 });
    const result = await c.running;

    assert.equal(result.endedByItself, true);
    assert.deepEqual(offsetsOf(c.delivered, 0), [2, 3, 4]);
    assert.deepEqual(offsetsOf(c.delivered, 1), [0, 1, 2, 3, 4]);
    assert.deepEqual(c.delivered.find((d) => d.partition === 1 && d.offset === 3)?.value, 'p1-3');
    const join = server.requests.find((r) => r.method === 'POST' && r.path === '/v1/groups/g/members');
    assert.deepEqual(join?.body, { topics: ['orders'], sessionTimeoutMs: 3000 });
    const last = server.commits('g').at(-1)!;
    assert.deepEqual(last.body, {
      memberId: result.memberId,
      generation: result.generation,
      offsets: [
        { topic: 'orders', partition: 0, offset: 5 },
        { topic: 'orders', partition: 1, offset: 5 },
      ],
    });
    assert.deepEqual(server.requests.at(-1)?.method, 'DELETE');
    assert.equal(server.requests.at(-1)?.path, `/v1/groups/g/members/${result.memberId}`);
    assert.deepEqual(server.memberIds('g'), []);
    assert.match(c.notes[0]!, /^joined g as member-\d+, generation 1, partitions orders\/0,1$/);
    assert.equal(c.notes.at(-1), `left g (${result.memberId}) after 8 records`);
  });

  test('stopAtEnd stops at the high watermarks as of the start, even while records keep coming', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 3);
    server.group('g', { resetPolicy: 'earliest' });
    const c = consumer(server, { group: 'g', topic: 'orders', deliver: (batch) => void server.append('orders', 0, batch.length) });
    const result = await c.running;
    assert.equal(result.endedByItself, true);
    assert.equal(result.records, 3);
    assert.equal(server.groups.get('g')!.committed.get('orders#0'), 3);
  });

  test('stopAtEnd with the latest reset policy starts at the high watermark and commits that position', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 4);
    const c = consumer(server, { group: 'g', topic: 'orders', resetPolicy: 'latest' });
    assert.equal((await c.running).records, 0);
    assert.equal(server.groups.get('g')!.committed.get('orders#0'), 4);
  });

  test('maxRecords ends the iteration after that many records, and close commits exactly past them and leaves', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 20);
    server.group('g', { resetPolicy: 'earliest' });
    const c = consumer(server, { group: 'g', topic: 'orders', autoCommitIntervalMs: 60_000 }, { maxRecords: 7 });
    const result = await c.running;
    assert.equal(result.endedByItself, true);
    assert.deepEqual(offsetsOf(c.delivered, 0), range(0, 7));
    assert.equal(server.groups.get('g')!.committed.get('orders#0'), 7);
    assert.deepEqual(server.memberIds('g'), []);
  });

  test('a commit refused with ILLEGAL_GENERATION makes it heartbeat, drop the partition it lost and go on with the new generation', async () => {
    const server = await fake();
    server.createTopic('orders', 2);
    server.append('orders', 0, 3);
    server.append('orders', 1, 3);
    server.group('g', { resetPolicy: 'earliest', auto: false });
    // A long session: heartbeats are 10 s apart once settled, so the commit is what finds the new generation.
    const c = consumer(server, { group: 'g', topic: 'orders', sessionTimeoutMs: 30_000, autoCommitIntervalMs: 100 }, FOLLOW);
    await until('the member to join', () => server.memberIds('g').length === 1);
    const [member] = server.memberIds('g');
    server.assign('g', 'orders', { [member!]: [0, 1] });
    await until('the first commit', () => server.groups.get('g')!.committed.get('orders#1') === 3);

    const generation = server.assign('g', 'orders', { [member!]: [1], other: [0] });
    server.append('orders', 0, 2);
    server.append('orders', 1, 2);
    await until('a refused commit and the new generation', () => c.notes.includes(`rebalanced: generation ${generation}, partition orders/1 (lost orders/0)`));
    assert.ok(c.notes.some((n) => n.startsWith('auto-commit did not go through (ILLEGAL_GENERATION: ')));
    const seenAt = c.delivered.length;
    server.append('orders', 0, 5);
    server.append('orders', 1, 5);
    await until('partition 1 to be committed in the new generation', () => server.groups.get('g')!.committed.get('orders#1') === 10);
    c.stop();
    await c.running;

    assert.ok(c.delivered.slice(seenAt).every((d) => d.partition === 1), 'nothing from the lost partition after the rebalance');
    assert.deepEqual(offsetsOf(c.delivered, 1), range(0, 10));
    const accepted = server.commits('g').filter((r) => r.body.generation === generation);
    assert.ok(accepted.length > 0);
    for (const r of accepted) assert.deepEqual(r.body.offsets.map((o: { partition: number }) => o.partition), [1]);
    // The lost partition's offset stays where the old generation left it; the new owner starts there.
    assert.equal(server.groups.get('g')!.committed.get('orders#0'), 3);
  });

  test('a heartbeat showing a new assignment hands over a partition: the gained one starts at the group’s committed offset', async () => {
    const server = await fake();
    server.createTopic('orders', 2);
    server.append('orders', 0, 3);
    server.append('orders', 1, 3);
    const group = server.group('g', { resetPolicy: 'earliest', auto: false });
    group.committed.set('orders#1', 2);
    const c = consumer(server, { group: 'g', topic: 'orders', sessionTimeoutMs: 1000 }, FOLLOW);
    await until('the member to join', () => server.memberIds('g').length === 1);
    const [member] = server.memberIds('g');
    server.assign('g', 'orders', { [member!]: [0], other: [1] });
    await until('partition 0 to be read', () => offsetsOf(c.delivered, 0).length === 3);
    server.assign('g', 'orders', { [member!]: [0, 1] });
    await until('partition 1 to be read', () => offsetsOf(c.delivered, 1).length === 1);
    c.stop();
    await c.running;
    assert.deepEqual(offsetsOf(c.delivered, 1), [2]);
    assert.ok(c.notes.includes('rebalanced: generation 2, partitions orders/0,1 (gained orders/1)'));
    assert.equal(group.committed.get('orders#1'), 3);
  });

  test('UNKNOWN_MEMBER makes it join again as a new member and go on from the committed offsets', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 4);
    server.group('g', { resetPolicy: 'earliest' });
    const c = consumer(server, { group: 'g', topic: 'orders', sessionTimeoutMs: 1000 }, FOLLOW);
    await until('the first commit', () => server.groups.get('g')!.committed.get('orders#0') === 4);
    const [first] = server.memberIds('g');
    server.expel('g', first!);
    await until('a new member', () => server.memberIds('g').length === 1 && server.memberIds('g')[0] !== first);
    server.append('orders', 0, 3);
    await until('the new records to be committed', () => server.groups.get('g')!.committed.get('orders#0') === 7);
    c.stop();
    const result = await c.running;
    assert.notEqual(result.memberId, first);
    assert.deepEqual(offsetsOf(c.delivered, 0), range(0, 7));
    assert.ok(c.notes.some((n) => n.startsWith(`${first} is no longer a member of g (`)));
    assert.equal(server.requests.filter((r) => r.method === 'POST' && r.path === '/v1/groups/g/members').length, 2);
  });

  test('a committed offset past the log resets by the group’s policy', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 3);
    server.group('g', { resetPolicy: 'earliest' }).committed.set('orders#0', 10);
    const c = consumer(server, { group: 'g', topic: 'orders' }, FOLLOW);
    await until('the records', () => c.delivered.length === 3);
    c.stop();
    await c.running;
    assert.deepEqual(offsetsOf(c.delivered, 0), [0, 1, 2]);
    assert.ok(c.notes.some((n) => n === 'orders/0: offset 10 is out of range 0..3; resetting to earliest (0)'));
  });

  test('stopAtEnd: a retriable commit failure is tried again, and the run still ends once the commit goes through', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.append('orders', 0, 3);
    server.group('g', { resetPolicy: 'earliest' });
    server.inject('POST', /\/offsets$/, 503, { error: { code: 'COMMIT_CONTENDED', message: 'busy', retriable: true } }, 2);
    const c = consumer(server, { group: 'g', topic: 'orders' });
    const result = await c.running;
    assert.equal(result.endedByItself, true);
    assert.equal(server.groups.get('g')!.committed.get('orders#0'), 3);
    assert.ok(c.notes.some((n) => n.includes('(COMMIT_CONTENDED: busy)')));
  });

  test('long-polls a caught-up partition instead of spinning', async () => {
    const server = await fake();
    server.createTopic('orders', 1);
    server.group('g', { resetPolicy: 'earliest' });
    const c = consumer(server, { group: 'g', topic: 'orders', waitMs: 5000 }, FOLLOW);
    await until('a long-poll', () => server.requests.some((r) => r.query.get('waitMs') === '5000'));
    setTimeout(() => server.append('orders', 0, 1), 200);
    await until('the record', () => c.delivered.length === 1);
    c.stop();
    await c.running;
    assert.ok(server.requests.filter((r) => r.path.endsWith('/records')).length <= 3);
  });

  test('stopAtEnd reads the topic before joining: a missing topic fails the iteration without a group call', async () => {
    const server = await fake();
    const c = consumer(server, { group: 'g', topic: 'missing' });
    await assert.rejects(c.running, (err: { code?: string }) => err.code === 'TOPIC_NOT_FOUND');
    assert.equal(server.requests.filter((r) => r.path.startsWith('/v1/groups')).length, 0);
  });
});
