import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Consumer, type Message, MessagesStreamModes, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { call, startTestPlatform, type TestPlatform } from '../../../support/local-platform';

type StringMessage = Message<string, string, string, string>;

/** The client's tracing channel for each request it sends (node:diagnostics_channel; its start event carries apiKey and apiVersion). */
const API_REQUESTS = 'tracing:plt:kafka:connections:api:start';

/**
 * @platformatic/kafka's Producer and Consumer against the local platform's gateway. The
 * client picks the highest version both sides speak, all flexible: Produce v9,
 * InitProducerId v4, Fetch v17 (topics by id), ListOffsets v6, FindCoordinator v4,
 * JoinGroup v9, SyncGroup v5, Heartbeat v4, OffsetCommit v8, OffsetFetch v8 (groups),
 * LeaveGroup v5.
 */
describe('Kafka gateway with @platformatic/kafka Producer and Consumer, over the local platform', () => {
  let test: TestPlatform;
  let bootstrap: string;
  /** Every request the client sends, as 'key vN', from its diagnostics channel: which versions it negotiated. */
  const sent = new Set<string>();
  const onRequest = (message: unknown) => {
    const { apiKey, apiVersion } = message as { apiKey: number; apiVersion: number };
    sent.add(`${apiKey} v${apiVersion}`);
  };

  before(async () => {
    subscribe(API_REQUESTS, onRequest);
    test = await startTestPlatform();
    bootstrap = test.platform.kafka!.bootstrapServer;
    for (const [name, partitions] of [['plat-round-trip', 2], ['plat-idempotent', 1], ['plat-group', 2]] as const) {
      const created = await call(test.url, 'POST', '/v1/topics', { name, partitions });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
  });
  after(async () => {
    unsubscribe(API_REQUESTS, onRequest);
    await test?.stop();
  });
  beforeEach(() => sent.clear());

  /** The client sent each of these requests ('key vN'): the flexible versions it chose against the gateway's ranges. */
  const assertSent = (...expected: string[]) => {
    for (const request of expected) assert.ok(sent.has(request), `expected ${request} among ${[...sent].sort().join(', ')}`);
  };

  const producer = (idempotent: boolean) =>
    new Producer({ clientId: 'sluice-platformatic-producer', bootstrapBrokers: [bootstrap], idempotent, acks: -1, retries: 0, serializers: stringSerializers });
  const consumer = (groupId: string) =>
    new Consumer({
      clientId: 'sluice-platformatic-consumer',
      groupId,
      bootstrapBrokers: [bootstrap],
      deserializers: stringDeserializers,
      maxWaitTime: 200,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      retries: 0,
    });

  /** Reads `count` messages off a consumer stream, then closes the stream (not the consumer). */
  async function take(stream: AsyncIterable<StringMessage> & { close(): Promise<void> }, count: number): Promise<StringMessage[]> {
    const taken: StringMessage[] = [];
    const timer = setTimeout(() => void stream.close(), 15_000);
    try {
      for await (const message of stream) {
        taken.push(message);
        if (taken.length >= count) break;
      }
    } finally {
      clearTimeout(timer);
      await stream.close();
    }
    return taken;
  }

  async function httpRecords(topic: string, partition: number, offset: number) {
    const read = await call(test.url, 'GET', `/v1/topics/${topic}/partitions/${partition}/records?offset=${offset}&encoding=utf8`);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    return read.body.records as { offset: number; timestamp: number; key: string | null; value: string | null; headers: { key: string; value: string | null }[] }[];
  }

  const view = (m: StringMessage) => ({
    partition: m.partition,
    offset: Number(m.offset),
    timestamp: Number(m.timestamp),
    key: m.key,
    value: m.value,
    headers: Object.fromEntries(m.headers),
  });

  it('produces records with keys, headers and timestamps that its Consumer stream reads back with the same offsets, and HTTP too', async () => {
    const sent: { partition: number; key: string; value: string; headers: Record<string, string>; timestamp: number }[] = [
      { partition: 0, key: 'alice', value: 'first', headers: { trace: 'a1', kind: 'order' }, timestamp: 1_700_000_000_001 },
      { partition: 0, key: 'alice', value: 'second', headers: { trace: 'a2' }, timestamp: 1_700_000_000_002 },
      { partition: 1, key: 'bob', value: 'third', headers: {}, timestamp: 1_700_000_000_003 },
    ];
    const p = producer(false);
    const produced: { partition: number; offset: number }[] = [];
    try {
      for (const record of sent) {
        const answer = await p.send({ messages: [{ topic: 'plat-round-trip', ...record, timestamp: BigInt(record.timestamp) }] });
        assert.equal(answer.offsets!.length, 1);
        produced.push({ partition: answer.offsets![0]!.partition, offset: Number(answer.offsets![0]!.offset) });
      }
    } finally {
      await p.close();
    }
    // A fresh topic: offsets from 0 in each partition, in the order sent.
    assert.deepEqual(produced, [
      { partition: 0, offset: 0 },
      { partition: 0, offset: 1 },
      { partition: 1, offset: 0 },
    ]);
    const expected = sent.map((record, i) => ({ ...record, offset: produced[i]!.offset }));

    const c = consumer('plat-round-trip-readers');
    try {
      const stream = await c.consume({ topics: ['plat-round-trip'], mode: MessagesStreamModes.EARLIEST, autocommit: false });
      const read = (await take(stream, 3)).map(view);
      const byPlace = (a: { partition: number; offset: number }, b: { partition: number; offset: number }) => a.partition - b.partition || a.offset - b.offset;
      assert.deepEqual(read.sort(byPlace), expected.sort(byPlace));
    } finally {
      await c.close(true);
    }
    // Produce v9, Fetch v17 (topics by id), ListOffsets v6, Metadata v12, JoinGroup v9, SyncGroup v5.
    assertSent('0 v9', '1 v17', '2 v6', '3 v12', '11 v9', '14 v5');

    for (const record of expected) {
      const [http] = await httpRecords('plat-round-trip', record.partition, record.offset);
      assert.deepEqual(http, {
        offset: record.offset,
        timestamp: record.timestamp,
        key: record.key,
        value: record.value,
        headers: Object.entries(record.headers).map(([key, value]) => ({ key, value })),
      });
    }
  });

  it('produces idempotently: each producer gets its own producer id (InitProducerId) and its sequenced batches are written once, in order', async () => {
    const p = producer(true);
    const offsets: number[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const answer = await p.send({
          messages: [
            { topic: 'plat-idempotent', partition: 0, key: `k${i}`, value: `v${i}a` },
            { topic: 'plat-idempotent', partition: 0, key: `k${i}`, value: `v${i}b` },
          ],
        });
        offsets.push(Number(answer.offsets![0]!.offset));
      }
      assert.ok(p.producerId !== undefined && p.producerId >= 0n, `producer id ${p.producerId}`);
    } finally {
      await p.close();
    }
    assert.deepEqual(offsets, [0, 2, 4]);
    // A second idempotent producer gets its own id, and its sequence starts again at 0.
    const other = producer(true);
    try {
      const answer = await other.send({ messages: [{ topic: 'plat-idempotent', partition: 0, key: 'k3', value: 'v3a' }] });
      assert.equal(Number(answer.offsets![0]!.offset), 6);
      assert.ok(other.producerId !== undefined && other.producerId >= 0n && other.producerId !== p.producerId, `producer ids ${p.producerId}, ${other.producerId}`);
    } finally {
      await other.close();
    }
    // InitProducerId v4 for the producer ids, then Produce v9 with them.
    assertSent('22 v4', '0 v9');
    const records = await httpRecords('plat-idempotent', 0, 0);
    assert.deepEqual(records.map((r) => [r.offset, r.key, r.value]), [
      ...[0, 1, 2].flatMap((i) => [
        [2 * i, `k${i}`, `v${i}a`],
        [2 * i + 1, `k${i}`, `v${i}b`],
      ]),
      [6, 'k3', 'v3a'],
    ]);
  });

  it('a group member commits what it read; after it closes, a second member of the group resumes from the committed offsets', async () => {
    const p = producer(false);
    try {
      for (const partition of [0, 1]) {
        await p.send({ messages: [0, 1, 2].map((i) => ({ topic: 'plat-group', partition, key: `p${partition}`, value: `m${partition}-${i}` })) });
      }
    } finally {
      await p.close();
    }

    // The first member reads two records of each partition and commits each as it goes.
    const first = consumer('plat-group-readers');
    let firstRead: StringMessage[];
    try {
      const stream = await first.consume({ topics: ['plat-group'], mode: MessagesStreamModes.EARLIEST, autocommit: false });
      firstRead = [];
      const timer = setTimeout(() => void stream.close(), 15_000);
      try {
        for await (const message of stream) {
          if (firstRead.filter((m) => m.partition === message.partition).length >= 2) continue;
          firstRead.push(message);
          await message.commit();
          if (firstRead.length === 4) break;
        }
      } finally {
        clearTimeout(timer);
        await stream.close();
      }
      assert.deepEqual(firstRead.map((m) => [m.partition, Number(m.offset), m.value]).sort(), [
        [0, 0, 'm0-0'],
        [0, 1, 'm0-1'],
        [1, 0, 'm1-0'],
        [1, 1, 'm1-1'],
      ]);
      const committed = await first.listCommittedOffsets({ topics: [{ topic: 'plat-group', partitions: [0, 1] }] });
      assert.deepEqual(committed.get('plat-group'), [2n, 2n]);
    } finally {
      await first.close(true);
    }

    // The committed offsets are the group's, whoever asks: HTTP's group API reads the same.
    const group = await call(test.url, 'GET', '/v1/groups/plat-group-readers/offsets?topic=plat-group');
    assert.equal(group.status, 200, JSON.stringify(group.body));
    const byPartition = (group.body.partitions as { partition: number; committedOffset: number | null }[]).map((x) => [x.partition, x.committedOffset]).sort();
    assert.deepEqual(byPartition, [
      [0, 2],
      [1, 2],
    ]);

    const second = consumer('plat-group-readers');
    try {
      const stream = await second.consume({ topics: ['plat-group'], mode: MessagesStreamModes.COMMITTED, autocommit: false });
      const rest = (await take(stream, 2)).map((m) => [m.partition, Number(m.offset), m.value]).sort();
      assert.deepEqual(rest, [
        [0, 2, 'm0-2'],
        [1, 2, 'm1-2'],
      ]);
    } finally {
      await second.close(true);
    }
    // OffsetCommit v8, OffsetFetch v8 (groups array), FindCoordinator v4, LeaveGroup v5 (on close), Fetch v17.
    assertSent('8 v8', '9 v8', '10 v4', '13 v5', '1 v17');
  });
});
