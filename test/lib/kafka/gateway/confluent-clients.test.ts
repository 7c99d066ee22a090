import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { eventually } from '../../../support/eventually';
import { call, startTestPlatform, type TestPlatform } from '../../../support/local-platform';

type Consumer = KafkaJS.Consumer;
type Producer = KafkaJS.Producer;
type Admin = KafkaJS.Admin;

/**
 * librdkafka 2.15 through @confluentinc/kafka-javascript (its KafkaJS-style promise API,
 * librdkafka's own settings beside the kafkaJS block) against the local platform's
 * gateway. Against the gateway's table librdkafka picks Produce v9, Fetch v16, ListOffsets
 * v6, Metadata v12, InitProducerId v4, FindCoordinator v2, JoinGroup v5, SyncGroup v3,
 * Heartbeat v3, OffsetCommit v8, OffsetFetch v8 and LeaveGroup v1 (group.protocol classic).
 *
 * The binding is a native addon built for one Node ABI: where it does not load under the
 * Node running the tests (built by an `npm ci` run under another Node) the suite is
 * skipped, except in CI, where that fails the run (.ci/run rebuilds it for the tests' Node).
 */
let binding: typeof import('@confluentinc/kafka-javascript') | undefined;
let unavailable: string | undefined;
try {
  binding = createRequire(import.meta.url)('@confluentinc/kafka-javascript') as typeof import('@confluentinc/kafka-javascript');
} catch (error) {
  unavailable = `@confluentinc/kafka-javascript does not load under Node ${process.version}: ${(error as Error).message.replace(/\s+/g, ' ')}`;
  if (process.env.CI) throw new Error(unavailable, { cause: error });
}

interface Received {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

describe('Kafka gateway with librdkafka (@confluentinc/kafka-javascript)', { skip: unavailable ?? false }, () => {
  let test: TestPlatform;
  let bootstrap: string;
  /** Everything librdkafka and the binding log, kept out of the test output; the warnings and errors are shown when a wait times out. */
  const logs: string[] = [];
  const logger: KafkaJS.Logger = {
    info: (message) => void logs.push(`info ${message}`),
    warn: (message) => void logs.push(`warn ${message}`),
    error: (message) => void logs.push(`error ${message}`),
    debug: (message) => void logs.push(`debug ${message}`),
    namespace: () => logger,
    setLogLevel: () => undefined,
  };
  /** Clients still connected: disconnected in `after` if a test failed before its own `finally` did, so librdkafka's threads end and the process exits. */
  const open = new Set<{ disconnect(): Promise<void> }>();

  before(async () => {
    test = await startTestPlatform();
    bootstrap = test.platform.kafka!.bootstrapServer;
  });
  after(async () => {
    for (const client of open) await client.disconnect().catch(() => undefined);
    await test?.stop();
  });

  const kafka = (extra: Record<string, unknown> = {}) =>
    new binding!.KafkaJS.Kafka({ kafkaJS: { brokers: [bootstrap], clientId: 'sluice-librdkafka-test', logLevel: binding!.KafkaJS.logLevel.DEBUG, logger }, ...extra });

  async function connected<T extends Producer | Consumer | Admin>(client: T): Promise<T> {
    open.add(client);
    await client.connect();
    return client;
  }
  async function disconnect(client: Producer | Consumer | Admin): Promise<void> {
    open.delete(client);
    await client.disconnect();
  }

  /** A producer that sends each message at once (linger.ms 0: every `send` is its own request) unless told otherwise. */
  const producer = (settings: Record<string, unknown> = {}) => connected(kafka().producer({ 'linger.ms': 0, acks: -1, ...settings }));

  /**
   * A group member reading from the earliest offset where its group has none; short
   * session and heartbeat so a member leaving rebalances within seconds. Its messages
   * land in `received`.
   */
  async function member(groupId: string, topic: string, options: { autoCommit?: boolean } = {}) {
    const consumer = await connected(
      kafka().consumer({
        kafkaJS: { groupId, fromBeginning: true, autoCommit: options.autoCommit ?? true },
        'session.timeout.ms': 10_000,
        'heartbeat.interval.ms': 500,
        'auto.commit.interval.ms': 200,
        'fetch.wait.max.ms': 100,
      }),
    );
    const received: Received[] = [];
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        received.push({
          partition,
          offset: Number(message.offset),
          timestamp: Number(message.timestamp),
          key: message.key?.toString('utf8') ?? null,
          value: message.value?.toString('utf8') ?? null,
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        });
      },
    });
    return { consumer, received };
  }

  const createTopic = async (name: string, partitions: number) => {
    const created = await call(test.url, 'POST', '/v1/topics', { name, partitions });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  };
  async function httpRecords(topic: string, partition: number) {
    const read = await call(test.url, 'GET', `/v1/topics/${topic}/partitions/${partition}/records?offset=0&encoding=utf8`);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    return read.body.records as { offset: number; timestamp: number; key: string | null; value: string | null; headers: { key: string; value: string | null }[] }[];
  }
  const describeGroup = async (group: string) => (await call(test.url, 'GET', `/v1/groups/${group}`)).body;
  async function until(condition: () => boolean | Promise<boolean>, what: string) {
    try {
      await eventually(async () => condition(), what);
    } catch (error) {
      // librdkafka's warnings and errors say why it stalled (a refused request, a failed connection).
      throw new Error(`${(error as Error).message}\nlibrdkafka said:\n${logs.filter((line) => /^(warn|error) /.test(line)).slice(-20).join('\n')}`, { cause: error });
    }
  }
  const byPlace = (a: Received, b: Received) => a.partition - b.partition || a.offset - b.offset;

  it('lists a topic created over HTTP with its partitions, node 0 leading each (Metadata)', async () => {
    await createTopic('ck-meta', 3);
    const admin = await connected(kafka().admin());
    try {
      assert.ok((await admin.listTopics()).includes('ck-meta'));
      const [topic] = await admin.fetchTopicMetadata({ topics: ['ck-meta'] });
      assert.equal(topic!.name, 'ck-meta');
      assert.deepEqual(
        topic!.partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr]).sort(),
        [0, 1, 2].map((p) => [p, 0, [0], [0]]),
      );
    } finally {
      await disconnect(admin);
    }
  });

  it('produces keyed records with headers that a group member reads back with the same offsets, and HTTP too', async () => {
    await createTopic('ck-round-trip', 2);
    const sent: { partition: number; key: string; value: string; headers: Record<string, string>; timestamp: number }[] = [
      { partition: 0, key: 'alice', value: 'first', headers: { trace: 'a1', kind: 'order' }, timestamp: 1_700_000_000_001 },
      { partition: 0, key: 'alice', value: 'second', headers: { trace: 'a2' }, timestamp: 1_700_000_000_002 },
      { partition: 1, key: 'bob', value: 'third', headers: {}, timestamp: 1_700_000_000_003 },
    ];
    const p = await producer();
    const produced: { partition: number; offset: number }[] = [];
    try {
      for (const record of sent) {
        // A copy: send() rewrites the message it is given (value and headers to Buffers).
        const [answer] = await p.send({ topic: 'ck-round-trip', messages: [{ ...record, headers: { ...record.headers }, timestamp: String(record.timestamp) }] });
        assert.equal(answer!.errorCode, 0);
        produced.push({ partition: answer!.partition, offset: Number(answer!.baseOffset) });
      }
    } finally {
      await disconnect(p);
    }
    // A fresh topic: offsets from 0 in each partition, in the order sent.
    assert.deepEqual(produced, [
      { partition: 0, offset: 0 },
      { partition: 0, offset: 1 },
      { partition: 1, offset: 0 },
    ]);
    const expected: Received[] = sent.map((record, i) => ({ ...record, offset: produced[i]!.offset }));

    const { consumer, received } = await member('ck-round-trip-readers', 'ck-round-trip');
    try {
      await until(() => received.length >= 3, 'the member reads the three records');
    } finally {
      await disconnect(consumer);
    }
    assert.deepEqual(received.sort(byPlace), expected.sort(byPlace));

    for (const partition of [0, 1]) {
      assert.deepEqual(
        await httpRecords('ck-round-trip', partition),
        expected
          .filter((r) => r.partition === partition)
          .map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: Object.entries(r.headers).map(([key, value]) => ({ key, value })) })),
      );
    }
  });

  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`writes a ${codec} batch (compression.type=${codec}) that a group member and HTTP read back record by record`, async () => {
      const topic = `ck-${codec}`;
      await createTopic(topic, 1);
      // linger.ms holds the 20 sends for one batch, compressed as one; repetitive values so
      // the codec has something to shrink (librdkafka sends a batch uncompressed when it would not).
      const p = await producer({ 'compression.type': codec, 'linger.ms': 50, debug: 'msg' });
      const values = Array.from({ length: 20 }, (_, i) => `${codec}-${i}-${'x'.repeat(100)}`);
      let offsets: number[];
      try {
        const answers = await Promise.all(values.map((value, i) => p.send({ topic, messages: [{ partition: 0, key: `k${i}`, value }] })));
        offsets = answers.map(([answer]) => Number(answer!.baseOffset));
      } finally {
        await disconnect(p);
      }
      assert.deepEqual([...offsets].sort((a, b) => a - b), [...offsets.keys()]);
      // librdkafka's msg debug log names each Produce's record count, size and codec: one
      // batch of the 20, compressed well under their 2,000-odd bytes.
      const batches = logs.flatMap((line) => {
        const match = new RegExp(`${topic} \\[0\\]: Produce MessageSet with (\\d+) message\\(s\\) \\((\\d+) bytes, .*, (\\w+)\\)`).exec(line);
        return match ? [{ records: Number(match[1]), bytes: Number(match[2]), codec: match[3] }] : [];
      });
      assert.equal(batches.length, 1, JSON.stringify(batches));
      assert.equal(batches[0]!.records, 20);
      assert.equal(batches[0]!.codec, codec);
      assert.ok(batches[0]!.bytes < 1000, `${batches[0]!.bytes} bytes`);

      const { consumer, received } = await member(`ck-${codec}-readers`, topic);
      try {
        await until(() => received.length >= 20, `the member reads the 20 ${codec} records`);
      } finally {
        await disconnect(consumer);
      }
      const expected = values.map((value, i) => ({ offset: offsets[i]!, key: `k${i}`, value })).sort((a, b) => a.offset - b.offset);
      assert.deepEqual(received.map((r) => ({ offset: r.offset, key: r.key, value: r.value })).sort((a, b) => a.offset - b.offset), expected);
      assert.deepEqual((await httpRecords(topic, 0)).map((r) => ({ offset: r.offset, key: r.key, value: r.value })), expected);
    });
  }

  it('produces idempotently (enable.idempotence): a producer id from InitProducerId, each sequenced batch written once, in order', async () => {
    await createTopic('ck-idempotent', 1);
    const p = await producer({ 'enable.idempotence': true, debug: 'eos' });
    const offsets: number[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const [answer] = await p.send({ topic: 'ck-idempotent', messages: [{ partition: 0, key: `k${i}`, value: `v${i}` }] });
        offsets.push(Number(answer!.baseOffset));
      }
    } finally {
      await disconnect(p);
    }
    assert.deepEqual(offsets, [0, 1, 2]);
    // librdkafka only sends with a producer id the gateway gave it; its eos debug log says which.
    assert.ok(
      logs.some((line) => /Acquired PID\{Id:\d+,Epoch:\d+\}/.test(line)),
      `no producer id acquired: ${logs.filter((l) => /PID/.test(l)).join('\n')}`,
    );
    assert.deepEqual(
      (await httpRecords('ck-idempotent', 0)).map((r) => [r.offset, r.key, r.value]),
      [0, 1, 2].map((i) => [i, `k${i}`, `v${i}`]),
    );
  });

  it('shares a topic between two members, each record read once; when one leaves, the other is assigned every partition and reads on', async () => {
    const topic = 'ck-group-shared';
    const group = 'ck-shared';
    await createTopic(topic, 4);
    const produceOverHttp = async (from: number, count: number) => {
      const records = Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: `v${from + i}`, partition: (from + i) % 4 }));
      assert.equal((await call(test.url, 'POST', `/v1/topics/${topic}/records`, { records })).status, 200);
    };
    const values = (received: Received[], from = 0) => received.map((r) => r.value!).filter((v) => Number(v.slice(1)) >= from);
    const expected = (from: number, count: number) => Array.from({ length: count }, (_, i) => `v${from + i}`).sort();
    const a = await member(group, topic);
    const b = await member(group, topic);
    try {
      const assigned = (m: { consumer: Consumer }) => m.consumer.assignment().map((tp) => tp.partition);
      await until(async () => {
        const described = await describeGroup(group);
        return described?.state === 'Stable' && described.members === 2 && assigned(a).length + assigned(b).length === 4;
      }, 'both members settle in the group with every partition assigned');
      // Every partition assigned, none twice, and each member has some.
      assert.deepEqual([...assigned(a), ...assigned(b)].sort(), [0, 1, 2, 3]);
      assert.ok(assigned(a).length > 0 && assigned(b).length > 0, `assignments ${assigned(a)} / ${assigned(b)}`);

      await produceOverHttp(0, 40);
      await until(() => a.received.length + b.received.length >= 40, 'the 40 records are read between the two');
      assert.deepEqual([...values(a.received), ...values(b.received)].sort(), expected(0, 40), 'each record exactly once');
      // Each member read only the partitions it was assigned.
      assert.ok(a.received.every((r) => assigned(a).includes(r.partition)));
      assert.ok(b.received.every((r) => assigned(b).includes(r.partition)));

      // Leaving (LeaveGroup on disconnect) rebalances at once: b takes all four partitions.
      await disconnect(a.consumer);
      await until(async () => {
        const described = await describeGroup(group);
        return described?.state === 'Stable' && described.members === 1 && assigned(b).length === 4;
      }, 'the remaining member is assigned every partition');
      await produceOverHttp(40, 20);
      await until(() => new Set(values(b.received, 40)).size >= 20, 'the survivor reads the new records of every partition');
      // At least once around the takeover (Kafka's guarantee), so compared as a set.
      assert.deepEqual([...new Set(values(b.received, 40))].sort(), expected(40, 20));
    } finally {
      if (open.has(a.consumer)) await disconnect(a.consumer);
      await disconnect(b.consumer);
    }
  });

  it('commits what a member read (OffsetCommit); after it disconnects, a new member of the group resumes from the commits, not the beginning', async () => {
    const topic = 'ck-group-resume';
    const group = 'ck-resume';
    await createTopic(topic, 2);
    const p = await producer();
    try {
      for (const partition of [0, 1]) {
        for (const i of [0, 1]) await p.send({ topic, messages: [{ partition, key: `p${partition}`, value: `m${partition}-${i}` }] });
      }
    } finally {
      await disconnect(p);
    }

    const first = await member(group, topic, { autoCommit: false });
    try {
      await until(() => first.received.length >= 4, 'the first member reads the four records');
      // Commits the next offset to read in each partition, as Kafka's commit means.
      await first.consumer.commitOffsets([0, 1].map((partition) => ({ topic, partition, offset: '2' })));
      // commitOffsets resolves once librdkafka has queued the commit, before it sends
      // OffsetCommit (seen in its cgrp debug log), so the group's offsets are awaited.
      const committed = async () => (await first.consumer.committed([0, 1].map((partition) => ({ topic, partition })))).map((c) => [c.partition, c.offset]).sort();
      await until(async () => JSON.stringify(await committed()) === JSON.stringify([[0, '2'], [1, '2']]), 'OffsetFetch answers the committed offsets');
    } finally {
      await disconnect(first.consumer);
    }
    assert.deepEqual(first.received.map((r) => [r.partition, r.offset, r.value]).sort(), [
      [0, 0, 'm0-0'],
      [0, 1, 'm0-1'],
      [1, 0, 'm1-0'],
      [1, 1, 'm1-1'],
    ]);

    // The commits are the group's, whoever asks: HTTP's group-offsets route reads the same.
    const offsets = await call(test.url, 'GET', `/v1/groups/${group}/offsets?topic=${topic}`);
    assert.equal(offsets.status, 200, JSON.stringify(offsets.body));
    assert.deepEqual((offsets.body.partitions as { partition: number; committedOffset: number | null }[]).map((x) => [x.partition, x.committedOffset]).sort(), [
      [0, 2],
      [1, 2],
    ]);

    const again = await producer();
    try {
      for (const partition of [0, 1]) await again.send({ topic, messages: [{ partition, key: `p${partition}`, value: `m${partition}-2` }] });
    } finally {
      await disconnect(again);
    }
    // fromBeginning only applies where the group has no commit: the new member starts at offset 2.
    const second = await member(group, topic, { autoCommit: false });
    try {
      await until(() => second.received.length >= 2, 'the new member reads the two records after the commits');
      // A moment more for anything before the commits to show up, were it read again.
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await disconnect(second.consumer);
    }
    assert.deepEqual(second.received.map((r) => [r.partition, r.offset, r.value]).sort(), [
      [0, 2, 'm0-2'],
      [1, 2, 'm1-2'],
    ]);
  });
});
