import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { Consumer as PlatformaticConsumer, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import { compactLog } from '../../../../lib/compaction/compact-log';
import { DEFAULT_COMPACTION_LIMITS } from '../../../../lib/compaction/compact-partition';
import type { SluiceContext } from '../../../../lib/core/context';
import { FETCH, type FetchRequest } from '../../../../lib/kafka/messages/fetch';
import { decodeRequestFrame } from '../../../../lib/kafka/messages/frames';
import { contextFromEnv } from '../../../../lib/runtime/context-from-env';
import { eventually } from '../../../support/eventually';
import { indexEntries } from '../../../support/log-items';
import { call, startTestPlatform, type TestPlatform } from '../../../support/local-platform';

const run = promisify(execFile);

/**
 * Kafka clients nobody here wrote reading a compacted topic through the gateway: kafkajs,
 * librdkafka through kcat and through @confluentinc/kafka-javascript, and
 * @platformatic/kafka. Compaction (compactLog) leaves the partition with offset holes; each
 * client must see exactly the records kept, at their original offsets, each once.
 *
 * The gateway carries the holes as Kafka does (handlers/fetch.ts, encodeFetchedRecords):
 * offsetDelta gaps inside a batch, and the answer's last batch's lastOffsetDelta reaching
 * past its last record to where the next fetch should start. Read whole, the log is one
 * batch with gaps. Read one batch per fetch (a partition fetch size of 1 byte: the gateway
 * answers the first batch with records whole, and no more), answers end in holes, which
 * librdkafka and @platformatic/kafka move past on lastOffsetDelta; kafkajs ignores
 * lastOffsetDelta and asks again from its last record + 1, inside the hole, and the
 * gateway answers from the next record kept. Where each client fetched from is taken from
 * the client's side: librdkafka's fetch debug log, @platformatic/kafka's fetch tracing
 * channel, and kafkajs's outgoing Fetch requests (its socketFactory).
 *
 * The log ends with a record kept, and there is no scenario of a hole at its end: the last
 * offset holds its key's latest record, which compaction keeps unless it is a tombstone
 * past delete.retention.ms, and it drops one only in a run that records written after it
 * (kept, as each key's latest) made due.
 *
 * kcat is skipped where it is not installed and @confluentinc/kafka-javascript where its
 * native addon does not load under this Node, except in CI, where either fails the run
 * (.ci/run installs kcat and rebuilds the addon), as kcat.test.ts and
 * confluent-clients.test.ts do.
 */
const kcatInstalled = spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
if (!kcatInstalled && process.env.CI) throw new Error('kcat is not installed: .ci/run installs it with apt-get');
const kcatSkip = kcatInstalled ? false : 'kcat is not installed (apt-get install kcat)';

let binding: typeof import('@confluentinc/kafka-javascript') | undefined;
let confluentSkip: string | false = false;
try {
  binding = createRequire(import.meta.url)('@confluentinc/kafka-javascript') as typeof import('@confluentinc/kafka-javascript');
} catch (error) {
  confluentSkip = `@confluentinc/kafka-javascript does not load under Node ${process.version}: ${(error as Error).message.replace(/\s+/g, ' ')}`;
  if (process.env.CI) throw new Error(confluentSkip, { cause: error });
}

const TOPIC = 'cc-compacted';
/** @platformatic/kafka's tracing channel for each consumer fetch (its start event carries the request's options). */
const PLATFORMATIC_FETCHES = 'tracing:plt:kafka:consumer:fetches:start';

/** A value long enough (43 record bytes with its key) that a rewritten batch of 64 target bytes keeps one, or one and a tombstone. */
const value = (key: string, version: string) => `${key}=${version}:${'x'.repeat(36)}`;

/** Written one per produce call (one batch each), offsets 0 to 15: five keys, k2's last write a tombstone. */
const WRITES: [key: string, version: string | null][] = [
  ['k0', 'a'],
  ['k1', 'a'],
  ['k2', 'a'],
  ['k3', 'a'],
  ['k4', 'a'],
  ['k0', 'b'],
  ['k1', 'b'],
  ['k3', 'b'],
  ['k2', 'b'],
  ['k0', 'c'],
  ['k4', 'b'],
  ['k1', 'c'],
  ['k2', null],
  ['k0', 'd'],
  ['k1', 'd'],
  ['k0', 'e'],
];

interface Read {
  offset: number;
  key: string | null;
  value: string | null;
}

/** Each key's latest record, at its original offset: the tombstone kept, as it is within delete.retention.ms (a day by default). */
const KEPT: Read[] = [
  { offset: 7, key: 'k3', value: value('k3', 'b') },
  { offset: 10, key: 'k4', value: value('k4', 'b') },
  { offset: 12, key: 'k2', value: null },
  { offset: 14, key: 'k1', value: value('k1', 'd') },
  { offset: 15, key: 'k0', value: value('k0', 'e') },
];
const HIGH_WATERMARK = WRITES.length;

/**
 * The batches compaction leaves (at most 64 bytes of records kept each): 0-9 holding 7 (a
 * hole before it and one after), 10-13 holding 10 and the tombstone at 12 (a hole between
 * and one after), and 14 and 15 as written. One batch per fetch, a client moving on
 * lastOffsetDelta asks from each batch's start.
 */
const BATCHES = [
  { baseOffset: 0, lastOffset: 9, recordCount: 1 },
  { baseOffset: 10, lastOffset: 13, recordCount: 2 },
  { baseOffset: 14, lastOffset: 14, recordCount: 1 },
  { baseOffset: 15, lastOffset: 15, recordCount: 1 },
];

/** Long enough after the last record for one read twice, or a record past the kept ones, to show up. */
const SETTLE_MS = 1_000;

/** The offsets a client fetched from, in order, each run of repeats (fetches waiting at the high watermark) as one. */
const distinct = (offsets: number[]) => offsets.filter((offset, i) => i === 0 || offset !== offsets[i - 1]);

describe('Kafka clients reading a compacted topic through the gateway', () => {
  let test: TestPlatform;
  let bootstrap: string;
  /** librdkafka clients still connected: disconnected in `after` if a test failed first, so librdkafka's threads end. */
  const open = new Set<{ disconnect(): Promise<void> }>();

  before(async () => {
    test = await startTestPlatform();
    bootstrap = test.platform.kafka!.bootstrapServer;
    const ctx: SluiceContext = { ...contextFromEnv(), sleep: async () => undefined };
    const created = await call(test.url, 'POST', '/v1/topics', { name: TOPIC, partitions: 1, config: { 'cleanup.policy': 'compact' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (const [key, version] of WRITES) {
      const produced = await call(test.url, 'POST', `/v1/topics/${TOPIC}/records`, { records: [{ partition: 0, key, value: version === null ? null : value(key, version) }] });
      assert.equal(produced.status, 200, JSON.stringify(produced.body));
    }
    // Merge at once (no minimum age) into small batches, so sixteen records make several.
    const compacted = await compactLog(ctx, { topics: [TOPIC], force: true, limits: { ...DEFAULT_COMPACTION_LIMITS, mergeMinAgeMs: 0, targetBatchBytes: 64, targetObjectBytes: 256 } });
    assert.equal(compacted.partitionsCompacted, 1);
    // What the tests rest on: the batches and the records kept, as Sluice's own reads see them.
    assert.deepEqual(
      (await indexEntries(ctx, created.body.topicId as string)).map(({ baseOffset, lastOffset, recordCount }) => ({ baseOffset, lastOffset, recordCount })),
      BATCHES,
    );
    const read = await call(test.url, 'GET', `/v1/topics/${TOPIC}/partitions/0/records?offset=0&encoding=utf8`);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.deepEqual(
      (read.body.records as Read[]).map(({ offset, key, value }) => ({ offset, key, value })),
      KEPT,
    );
  });
  after(async () => {
    for (const client of open) await client.disconnect().catch(() => undefined);
    await test?.stop();
  });

  // kafkajs: a group member from the earliest offset; eachMessage collects. Its sockets
  // (kafkajs's socketFactory) pass each request through the gateway's own decoder on the
  // way out, so its Fetch requests say where each fetch started.
  async function kafkajsRead(groupId: string, consumerOptions: { maxBytesPerPartition?: number } = {}): Promise<{ records: Read[]; fetchOffsets: number[] }> {
    const fetchOffsets: number[] = [];
    const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
      const socket = connect({ host, port }, onConnect);
      let pending = Buffer.alloc(0);
      const write = socket.write.bind(socket) as (chunk: Uint8Array, ...rest: unknown[]) => boolean;
      socket.write = ((chunk: Uint8Array, ...rest: unknown[]) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
          const decoded = decodeRequestFrame(pending.subarray(4, 4 + pending.readInt32BE(0)));
          pending = pending.subarray(4 + pending.readInt32BE(0));
          if (decoded.kind !== 'request' || decoded.api !== FETCH) continue;
          for (const topic of (decoded.body as FetchRequest).topics) if (topic.topic === TOPIC) for (const partition of topic.partitions) fetchOffsets.push(partition.fetchOffset);
        }
        return write(chunk, ...rest);
      }) as typeof socket.write;
      return socket;
    };
    const kafka = new Kafka({ clientId: 'sluice-compacted-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 }, socketFactory });
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 300, rebalanceTimeout: 10_000, maxWaitTimeInMs: 200, ...consumerOptions });
    const received: Read[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ offset: Number(message.offset), key: message.key?.toString('utf8') ?? null, value: message.value?.toString('utf8') ?? null });
        },
      });
      await eventually(async () => received.length >= KEPT.length && fetchOffsets.includes(HIGH_WATERMARK), `kafkajs reads ${KEPT.length} records and fetches from the high watermark`);
      await delay(SETTLE_MS);
    } finally {
      await consumer.disconnect();
    }
    return { records: received, fetchOffsets };
  }

  // kcat: -e ends it at the end of the partition (librdkafka's partition EOF: its fetch
  // position at the high watermark); -d fetch logs each fetch's offset on stderr.
  async function kcatRead(extra: string[] = []): Promise<{ records: Read[]; fetchOffsets: number[] }> {
    const { stdout, stderr } = await run('kcat', ['-b', bootstrap, '-C', '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-Z', '-d', 'fetch', '-f', '%o %k %s\\n', ...extra], { timeout: 30_000 });
    const records = stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [offset, key, text] = line.split(' ');
        return { offset: Number(offset), key: key === 'NULL' ? null : key!, value: text === 'NULL' ? null : text! };
      });
    return { records, fetchOffsets: librdkafkaFetchOffsets(stderr.split('\n')) };
  }

  /** librdkafka's fetch debug lines ("Fetch topic cc-compacted [0] at offset 10 ..."): where each of its fetches started. */
  const librdkafkaFetchOffsets = (lines: string[]) => lines.flatMap((line) => {
    const match = new RegExp(`Fetch topic ${TOPIC} \\[0\\] at offset (\\d+)`).exec(line);
    return match ? [Number(match[1])] : [];
  });

  // @confluentinc/kafka-javascript: a group member of its KafkaJS-style API from the
  // earliest offset; librdkafka's fetch debug log, through the binding's logger, says
  // where each fetch started.
  async function confluentRead(groupId: string, kafkaJS: { maxBytes?: number } = {}): Promise<{ records: Read[]; fetchOffsets: number[] }> {
    const lines: string[] = [];
    const logger: KafkaJS.Logger = {
      info: (message) => void lines.push(`info ${message}`),
      warn: (message) => void lines.push(`warn ${message}`),
      error: (message) => void lines.push(`error ${message}`),
      debug: (message) => void lines.push(`debug ${message}`),
      namespace: () => logger,
      setLogLevel: () => undefined,
    };
    const kafka = new binding!.KafkaJS.Kafka({ kafkaJS: { brokers: [bootstrap], clientId: 'sluice-compacted-librdkafka', logLevel: binding!.KafkaJS.logLevel.DEBUG, logger } });
    const consumer = kafka.consumer({
      kafkaJS: { groupId, fromBeginning: true, autoCommit: false, ...kafkaJS },
      'session.timeout.ms': 10_000,
      'heartbeat.interval.ms': 500,
      'fetch.wait.max.ms': 100,
      debug: 'fetch',
    });
    const received: Read[] = [];
    open.add(consumer);
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [TOPIC] });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ offset: Number(message.offset), key: message.key?.toString('utf8') ?? null, value: message.value?.toString('utf8') ?? null });
        },
      });
      try {
        await eventually(async () => received.length >= KEPT.length && librdkafkaFetchOffsets(lines).includes(HIGH_WATERMARK), `librdkafka reads ${KEPT.length} records and fetches from the high watermark`);
      } catch (error) {
        throw new Error(`${(error as Error).message}\nlibrdkafka said:\n${lines.filter((line) => /^(warn|error) /.test(line)).slice(-20).join('\n')}`, { cause: error });
      }
      await delay(SETTLE_MS);
    } finally {
      open.delete(consumer);
      await consumer.disconnect();
    }
    return { records: received, fetchOffsets: librdkafkaFetchOffsets(lines) };
  }

  // @platformatic/kafka: a group member's stream from the earliest offset. Its consumer's
  // fetches are traced (node:diagnostics_channel) with each partition's fetchOffset, and
  // the stream's offsetsToFetch is where it fetches next.
  async function platformaticRead(groupId: string, options: { maxBytesPerPartition?: number } = {}): Promise<{ records: Read[]; fetchOffsets: number[]; position: bigint | undefined }> {
    const consumer = new PlatformaticConsumer({
      clientId: 'sluice-compacted-platformatic',
      groupId,
      bootstrapBrokers: [bootstrap],
      deserializers: stringDeserializers,
      maxWaitTime: 200,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      retries: 0,
      ...options,
    });
    const fetchOffsets: number[] = [];
    const onFetch = (message: unknown) => {
      const { client, options: fetch } = message as { client: unknown; options: { topics: { partitions: { partition: number; fetchOffset: bigint }[] }[] } };
      if (client !== consumer) return;
      for (const topic of fetch.topics) for (const partition of topic.partitions) fetchOffsets.push(Number(partition.fetchOffset));
    };
    subscribe(PLATFORMATIC_FETCHES, onFetch);
    const received: Read[] = [];
    let position: bigint | undefined;
    try {
      const stream = await consumer.consume({ topics: [TOPIC], mode: MessagesStreamModes.EARLIEST, autocommit: false });
      stream.on('data', (message) => {
        // The string deserializer answers undefined for a null value (a tombstone).
        received.push({ offset: Number(message.offset), key: message.key ?? null, value: message.value ?? null });
      });
      const at = () => stream.offsetsToFetch.get(`${TOPIC}:0`);
      try {
        await eventually(async () => received.length >= KEPT.length && at() === BigInt(HIGH_WATERMARK), `@platformatic/kafka reads ${KEPT.length} records and its next fetch offset is the high watermark`);
      } finally {
        await delay(SETTLE_MS);
        position = at();
        await stream.close();
      }
    } finally {
      unsubscribe(PLATFORMATIC_FETCHES, onFetch);
      await consumer.close(true);
    }
    return { records: received, fetchOffsets, position };
  }

  describe('the log read whole: one batch, with gaps in its offsets', () => {
    it('kafkajs (eachMessage) reads each kept record once, at its original offset, the tombstone with a null value', async () => {
      const { records, fetchOffsets } = await kafkajsRead('cc-kafkajs-whole');
      assert.deepEqual(records, KEPT);
      assert.deepEqual(distinct(fetchOffsets), [0, HIGH_WATERMARK]);
    });

    it('kcat (librdkafka) reads each kept record once, at its original offset, and -e ends it at the high watermark', { skip: kcatSkip }, async () => {
      const { records, fetchOffsets } = await kcatRead();
      assert.deepEqual(records, KEPT);
      assert.deepEqual(distinct(fetchOffsets), [0, HIGH_WATERMARK]);
    });

    it('@confluentinc/kafka-javascript (librdkafka) reads each kept record once, at its original offset, then fetches from the high watermark', { skip: confluentSkip }, async () => {
      const { records, fetchOffsets } = await confluentRead('cc-confluent-whole');
      assert.deepEqual(records, KEPT);
      assert.deepEqual(distinct(fetchOffsets), [0, HIGH_WATERMARK]);
    });

    it('@platformatic/kafka reads each kept record once, at its original offset, then fetches from the high watermark', async () => {
      const { records, fetchOffsets, position } = await platformaticRead('cc-platformatic-whole');
      assert.deepEqual(records, KEPT);
      assert.deepEqual(distinct(fetchOffsets), [0, HIGH_WATERMARK]);
      assert.equal(position, BigInt(HIGH_WATERMARK));
    });
  });

  describe('one batch per fetch (1-byte partition fetch size): answers ending in holes', () => {
    /** Where a client moving on lastOffsetDelta fetches from: each batch's start, past the hole the batch before ended with, then the high watermark. */
    const PAST_EACH_HOLE = [...BATCHES.map((batch) => batch.baseOffset), HIGH_WATERMARK];

    it('kcat moves past each answer’s trailing hole (its next fetch at lastOffsetDelta + 1), reads each kept record once, and -e ends it at the high watermark', { skip: kcatSkip }, async () => {
      const { records, fetchOffsets } = await kcatRead(['-X', 'max.partition.fetch.bytes=1']);
      assert.deepEqual(records, KEPT);
      assert.deepEqual(distinct(fetchOffsets), PAST_EACH_HOLE);
    });

    it('@confluentinc/kafka-javascript moves past each answer’s trailing hole, reads each kept record once, and reaches the high watermark', { skip: confluentSkip }, async () => {
      // The binding sets librdkafka's per-partition fetch size (fetch.message.max.bytes, of
      // which max.partition.fetch.bytes is an alias) from kafkaJS.maxBytes, after maxBytesPerPartition.
      const { records, fetchOffsets } = await confluentRead('cc-confluent-batches', { maxBytes: 1 });
      assert.deepEqual(records, KEPT);
      assert.deepEqual(distinct(fetchOffsets), PAST_EACH_HOLE);
    });

    it('@platformatic/kafka moves past each answer’s trailing hole, reads each kept record once, and its next fetch offset is the high watermark', async () => {
      const { records, fetchOffsets, position } = await platformaticRead('cc-platformatic-batches', { maxBytesPerPartition: 1 });
      assert.deepEqual(records, KEPT);
      assert.deepEqual(distinct(fetchOffsets), PAST_EACH_HOLE);
      assert.equal(position, BigInt(HIGH_WATERMARK));
    });

    it('kafkajs, asking again inside each trailing hole (it ignores lastOffsetDelta), is answered from the next record kept and reads each kept record once', async () => {
      const { records, fetchOffsets } = await kafkajsRead('cc-kafkajs-batches', { maxBytesPerPartition: 1 });
      assert.deepEqual(records, KEPT);
      assert.deepEqual(distinct(fetchOffsets), [0, 8, 13, 15, HIGH_WATERMARK]);
    });
  });
});
