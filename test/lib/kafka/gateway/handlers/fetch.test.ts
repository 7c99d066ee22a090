import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { encodeFetchedRecords } from '../../../../../lib/kafka/gateway/handlers/fetch';
import { decodeRecordBatches, encodeRecordBatch, RECORD_BATCH_HEADER_BYTES } from '../../../../../lib/kafka/records/record-batch';
import type { OffsetRecord } from '../../../../../lib/records/log-record';

/**
 * encodeFetchedRecords: what the Kafka gateway answers for a partition's fetched records
 * when compaction left holes in the offsets. Each answer is read back with the gateway's
 * own decoder and with kafkajs's (the one its Fetch response uses), and the next fetch
 * offset worked out as each client does: librdkafka, Java and @platformatic/kafka from the
 * last batch's baseOffset + lastOffsetDelta + 1, kafkajs from its consumer's own rules.
 */

// kafkajs's internals, as its Fetch v4+ response reads a partition's RECORDS (CommonJS, untyped).
const require = createRequire(import.meta.url);
interface KafkajsDecoder {
  canReadBytes(length: number): boolean;
}
interface KafkajsMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  headers: Record<string, Buffer | Buffer[] | null>;
}
interface KafkajsRecordBatch {
  firstOffset: string;
  lastOffsetDelta: number;
  records: KafkajsMessage[];
}
interface KafkajsBatch {
  messages: KafkajsMessage[];
  isEmpty(): boolean;
  isEmptyDueToFiltering(): boolean;
  lastOffset(): string;
}
const KafkajsDecoderClass = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => KafkajsDecoder;
const kafkajsRecordBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: KafkajsDecoder) => Promise<KafkajsRecordBatch>;
const kafkajsDecodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages') as (decoder: KafkajsDecoder) => Promise<KafkajsMessage[]>;
const KafkajsBatchClass = require('kafkajs/src/consumer/batch') as new (
  topic: string,
  fetchedOffset: string,
  partitionData: { partition: number; highWatermark: string; messages: KafkajsMessage[]; abortedTransactions: [] },
) => KafkajsBatch;

/** The batches kafkajs reads from a RECORDS field, as decodeMessages loops over them. */
async function kafkajsBatches(bytes: Buffer): Promise<KafkajsRecordBatch[]> {
  const decoder = new KafkajsDecoderClass(bytes);
  const batches: KafkajsRecordBatch[] = [];
  // decodeMessages reads a batch while RECORD_BATCH_OVERHEAD (49) bytes remain.
  while (decoder.canReadBytes(49)) batches.push(await kafkajsRecordBatchDecoder(decoder));
  return batches;
}

/**
 * What a kafkajs consumer sees of a fetch from `fetchOffset` answered with `bytes`: the
 * messages (decodeMessages, then consumer/batch.js's filtering) and the offset it fetches
 * next. kafkajs's runner (consumer/runner.js onBatch) resolves each message's offset,
 * resolves batch.lastOffset() when every message was filtered out, and resolves nothing
 * for an empty batch; offsetManager.resolveOffset stores offset + 1, the next fetch offset.
 */
async function kafkajsConsumer(bytes: Buffer, fetchOffset: number, highWatermark: number): Promise<{ offsets: number[]; nextFetchOffset: number }> {
  const sized = Buffer.alloc(4 + bytes.length);
  sized.writeInt32BE(bytes.length, 0);
  bytes.copy(sized, 4);
  const messages = await kafkajsDecodeMessages(new KafkajsDecoderClass(sized));
  const batch = new KafkajsBatchClass('t', String(fetchOffset), { partition: 0, highWatermark: String(highWatermark), messages, abortedTransactions: [] });
  const offsets = batch.messages.map((m) => Number(m.offset));
  if (batch.isEmptyDueToFiltering()) return { offsets, nextFetchOffset: Number(batch.lastOffset()) + 1 };
  if (batch.isEmpty()) return { offsets, nextFetchOffset: fetchOffset };
  return { offsets, nextFetchOffset: offsets.at(-1)! + 1 };
}

/** librdkafka, Java and @platformatic/kafka: past the last batch's last offset (or where the fetch was, with no batch). */
function batchClientNextOffset(bytes: Buffer, fetchOffset: number): number {
  const last = decodeRecordBatches(bytes).at(-1);
  return last ? Math.max(fetchOffset, last.baseOffset + last.lastOffsetDelta + 1) : fetchOffset;
}

/** A stored record at `offset`, its key, value and header views into a larger buffer (as the log decoder hands them out). */
function record(offset: number): OffsetRecord {
  const backing = Buffer.from(`..k${offset}|v${offset}|x..`);
  const key = `k${offset}`.length;
  const value = `v${offset}`.length;
  return {
    offset,
    timestamp: 1_700_000_000_000 + offset,
    key: backing.subarray(2, 2 + key),
    value: backing.subarray(3 + key, 3 + key + value),
    headers: [{ key: 'h', value: backing.subarray(4 + key + value, 5 + key + value) }],
  };
}

/** What the gateway's decoder and kafkajs's read of each record: offset, key, value, header. */
function expected(offsets: number[]) {
  return offsets.map((offset) => ({ offset, key: `k${offset}`, value: `v${offset}`, header: 'x' }));
}

async function readBack(bytes: Buffer) {
  const ours = decodeRecordBatches(bytes);
  const theirs = await kafkajsBatches(bytes);
  assert.equal(theirs.length, ours.length, 'kafkajs reads as many batches');
  theirs.forEach((batch, i) => {
    assert.equal(Number(batch.firstOffset), ours[i]!.baseOffset);
    assert.equal(batch.lastOffsetDelta, ours[i]!.lastOffsetDelta);
  });
  return {
    batches: ours.map((b) => ({ baseOffset: b.baseOffset, lastOffsetDelta: b.lastOffsetDelta, count: b.records.length })),
    records: ours.flatMap((b) => b.records).map((r) => ({ offset: r.offset, key: r.key?.toString(), value: r.value?.toString(), header: r.headers[0]?.value?.toString() })),
    kafkajsRecords: theirs
      .flatMap((b) => b.records)
      .map((r) => ({ offset: Number(r.offset), key: r.key?.toString(), value: r.value?.toString(), header: (r.headers.h as Buffer | null)?.toString() })),
  };
}

describe('Kafka gateway Fetch: encodeFetchedRecords', () => {
  it('(a) contiguous records: one batch, byte for byte what the gateway answered before compaction', async () => {
    const records = [10, 11, 12, 13, 14].map(record);
    const bytes = encodeFetchedRecords(records, 10, 15);
    const before = encodeRecordBatch({
      partitionLeaderEpoch: 0,
      records: records.map((r) => ({ ...r, key: Buffer.from(r.key!), value: Buffer.from(r.value!), headers: r.headers.map((h) => ({ key: h.key, value: Buffer.from(h.value!) })) })),
    });
    assert.deepEqual(bytes, before);
    const read = await readBack(bytes);
    assert.deepEqual(read.batches, [{ baseOffset: 10, lastOffsetDelta: 4, count: 5 }]);
    assert.deepEqual(read.records, expected([10, 11, 12, 13, 14]));
    assert.deepEqual(read.kafkajsRecords, expected([10, 11, 12, 13, 14]));
    assert.equal(decodeRecordBatches(bytes)[0]!.partitionLeaderEpoch, 0);
    assert.deepEqual(
      decodeRecordBatches(bytes)[0]!.records.map((r) => r.timestamp),
      records.map((r) => r.timestamp),
    );
    assert.equal(batchClientNextOffset(bytes, 10), 15);
    assert.deepEqual(await kafkajsConsumer(bytes, 10, 15), { offsets: [10, 11, 12, 13, 14], nextFetchOffset: 15 });
  });

  it('(b) a hole in the middle is carried inside one batch, as a compacted Kafka batch carries it', async () => {
    const offsets = [10, 11, 15, 16];
    const bytes = encodeFetchedRecords(offsets.map(record), 10, 17);
    const read = await readBack(bytes);
    assert.deepEqual(read.batches, [{ baseOffset: 10, lastOffsetDelta: 6, count: 4 }]);
    assert.deepEqual(read.records, expected(offsets));
    assert.deepEqual(read.kafkajsRecords, expected(offsets));
    assert.equal(batchClientNextOffset(bytes, 10), 17);
    assert.deepEqual(await kafkajsConsumer(bytes, 10, 17), { offsets, nextFetchOffset: 17 });
    // One header for both runs: a batch per run would take RECORD_BATCH_HEADER_BYTES more.
    assert.equal(bytes.length, encodeFetchedRecords([10, 11].map(record), 10, 12).length + encodeFetchedRecords([15, 16].map(record), 15, 17).length - RECORD_BATCH_HEADER_BYTES);
  });

  it('(b) a hole before the first record: the batch starts at the first record, which the clients take', async () => {
    const bytes = encodeFetchedRecords([8, 9].map(record), 5, 10);
    const read = await readBack(bytes);
    assert.deepEqual(read.batches, [{ baseOffset: 8, lastOffsetDelta: 1, count: 2 }]);
    assert.equal(batchClientNextOffset(bytes, 5), 10);
    assert.deepEqual(await kafkajsConsumer(bytes, 5, 10), { offsets: [8, 9], nextFetchOffset: 10 });
  });

  it('(c) a trailing hole: the last batch lastOffsetDelta reaches nextOffset - 1', async () => {
    const offsets = [10, 11, 12];
    const bytes = encodeFetchedRecords(offsets.map(record), 10, 20);
    const read = await readBack(bytes);
    assert.deepEqual(read.batches, [{ baseOffset: 10, lastOffsetDelta: 9, count: 3 }]);
    assert.deepEqual(read.records, expected(offsets));
    assert.deepEqual(read.kafkajsRecords, expected(offsets));
    // librdkafka, Java, @platformatic/kafka: past the hole.
    assert.equal(batchClientNextOffset(bytes, 10), 20);
    // kafkajs 2.2.4 ignores lastOffsetDelta: it asks from its last message's offset + 1, inside the hole (case d answers it).
    assert.deepEqual(await kafkajsConsumer(bytes, 10, 20), { offsets, nextFetchOffset: 13 });
  });

  it('(b)+(c) holes in the middle and at the end together', async () => {
    const offsets = [3, 7, 8, 30];
    const bytes = encodeFetchedRecords(offsets.map(record), 0, 41);
    const read = await readBack(bytes);
    assert.deepEqual(read.batches, [{ baseOffset: 3, lastOffsetDelta: 37, count: 4 }]);
    assert.deepEqual(read.kafkajsRecords, expected(offsets));
    assert.equal(batchClientNextOffset(bytes, 0), 41);
    assert.deepEqual(await kafkajsConsumer(bytes, 0, 41), { offsets, nextFetchOffset: 31 });
  });

  it('(d) no records but nextOffset past the fetch offset: one empty batch from the fetch offset to nextOffset - 1', async () => {
    const bytes = encodeFetchedRecords([], 13, 20);
    assert.equal(bytes.length, RECORD_BATCH_HEADER_BYTES);
    const [batch] = decodeRecordBatches(bytes);
    assert.equal(batch!.baseOffset, 13);
    assert.equal(batch!.lastOffsetDelta, 6);
    assert.deepEqual(batch!.records, []);
    assert.equal(batch!.partitionLeaderEpoch, 0);
    assert.equal(batch!.producerId, -1);
    const [theirs, ...more] = await kafkajsBatches(bytes);
    assert.equal(more.length, 0);
    assert.deepEqual({ firstOffset: theirs!.firstOffset, lastOffsetDelta: theirs!.lastOffsetDelta, records: theirs!.records }, { firstOffset: '13', lastOffsetDelta: 6, records: [] });
    assert.equal(batchClientNextOffset(bytes, 13), 20);
    // kafkajs reads the empty batch without error but does not move: it asks from 13 again.
    assert.deepEqual(await kafkajsConsumer(bytes, 13, 20), { offsets: [], nextFetchOffset: 13 });
  });

  it('answers nothing when there are no records and nextOffset is not past the fetch offset', () => {
    assert.equal(encodeFetchedRecords([], 13, 13).length, 0);
  });

  it('splits where an offsetDelta would pass int32, and caps the last lastOffsetDelta there', async () => {
    const far = 2 ** 31 + 5;
    const bytes = encodeFetchedRecords([0, 1, far].map(record), 0, far + 2 ** 32);
    const read = await readBack(bytes);
    assert.deepEqual(read.batches, [
      { baseOffset: 0, lastOffsetDelta: 1, count: 2 },
      { baseOffset: far, lastOffsetDelta: 2 ** 31 - 1, count: 1 },
    ]);
    assert.deepEqual(read.kafkajsRecords, expected([0, 1, far]));
    assert.equal(batchClientNextOffset(bytes, 0), far + 2 ** 31);
    const empty = decodeRecordBatches(encodeFetchedRecords([], 7, 7 + 2 ** 40));
    assert.deepEqual(empty.map((b) => [b.baseOffset, b.lastOffsetDelta, b.records.length]), [[7, 2 ** 31 - 1, 0]]);
  });
});
