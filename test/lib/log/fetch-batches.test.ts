import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { decodeBatchAt } from '../../../lib/format/batch-codec';
import { fetchBatches, fetchRecords, type FetchBatchesResult } from '../../../lib/log/fetch-records';
import { produce } from '../../../lib/log/produce';
import type { OffsetRecord } from '../../../lib/records/log-record';
import type { IncomingRecord } from '../../../lib/records/record-encoding';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { createTopic } from '../../../lib/topics/topic-service';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * fetchBatches against DynamoDB Local and s3rver: the stored batches answered as they
 * are, and what a reader decodes of them over [offset, nextOffset) is what fetchRecords
 * answers, wherever the two keep the same bounds.
 */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  env = await startTestPlatform({ kafkaPort: null });
  ctx = contextFromEnv();
  await createTopic(ctx, { name: 'fb', partitions: 1, config: {} });
  // Three produce calls of five 100-byte records: batches at offsets 0, 5 and 10.
  for (let call = 0; call < 3; call++) await produce(ctx, 'fb', records(5, 100, call), { principal: 'anonymous' });
});

after(async () => {
  await env?.stop();
});

function records(count: number, valueBytes: number, call: number): IncomingRecord[] {
  return Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`k${call}-${i}`), value: Buffer.alloc(valueBytes, 97 + call * 5 + i), headers: [{ key: 'h', value: Buffer.from(String(i)) }], partition: 0 }));
}

/** What a reader keeps of a batches answer: each batch decoded at the base offset in its bytes, from `from` up to nextOffset. */
function decoded(result: FetchBatchesResult, from: number): OffsetRecord[] {
  return result.batches.flatMap((batch) => {
    const inBytes = Number(new DataView(batch.bytes.buffer, batch.bytes.byteOffset, 8).getBigInt64(0));
    assert.equal(inBytes, batch.baseOffset, 'the base offset is written into the batch');
    return decodeBatchAt(batch.bytes, inBytes).filter((r) => r.offset >= from && r.offset < result.nextOffset);
  });
}

const plain = (list: OffsetRecord[]) => list.map((r) => ({ ...r, key: Buffer.from(r.key!).toString(), value: Buffer.from(r.value!).toString(), headers: r.headers.map((h) => [h.key, Buffer.from(h.value!).toString()]) }));

describe('fetchBatches', () => {
  for (const [offset, maxRecords] of [
    [0, 100],
    [3, 4],
    [7, 100],
    [0, 5],
    [12, 1],
  ] as const) {
    it(`from offset ${offset} with maxRecords ${maxRecords}, decodes to what fetchRecords answers`, async () => {
      const input = { topic: 'fb', partition: 0, offset, maxRecords, maxBytes: 1024 * 1024 };
      const [batches, json] = await Promise.all([fetchBatches(ctx, input), fetchRecords(ctx, input)]);
      assert.deepEqual(plain(decoded(batches, offset)), plain(json.records));
      assert.equal(batches.nextOffset, json.nextOffset);
      assert.equal(batches.highWatermark, 15);
      assert.equal(batches.logStartOffset, json.logStartOffset);
    });
  }

  it('answers each batch whole: a fetch from inside a batch holds the records before the offset too', async () => {
    const result = await fetchBatches(ctx, { topic: 'fb', partition: 0, offset: 7, maxRecords: 100, maxBytes: 1024 * 1024 });
    assert.deepEqual(result.batches.map((b) => b.baseOffset), [5, 10]);
    assert.equal(decodeBatchAt(result.batches[0]!.bytes, 5)[0]!.offset, 5);
  });

  it('sets nextOffset where maxRecords ends inside a batch', async () => {
    const result = await fetchBatches(ctx, { topic: 'fb', partition: 0, offset: 0, maxRecords: 2, maxBytes: 1024 * 1024 });
    assert.deepEqual(result.batches.map((b) => b.baseOffset), [0]);
    assert.equal(result.nextOffset, 2);
  });

  it('answers a later batch only if all its record bytes fit in what maxBytes leaves', async () => {
    // Each batch holds 5 records of about 106 bytes (key, value, header): the second does not fit in 700.
    const result = await fetchBatches(ctx, { topic: 'fb', partition: 0, offset: 0, maxRecords: 100, maxBytes: 700 });
    assert.deepEqual(result.batches.map((b) => b.baseOffset), [0]);
    assert.equal(result.nextOffset, 5);
  });

  it('answers the first batch whatever maxBytes says', async () => {
    const result = await fetchBatches(ctx, { topic: 'fb', partition: 0, offset: 5, maxRecords: 100, maxBytes: 1 });
    assert.deepEqual(result.batches.map((b) => b.baseOffset), [5]);
    assert.equal(result.nextOffset, 10);
  });

  it('answers no batches at the high watermark', async () => {
    const result = await fetchBatches(ctx, { topic: 'fb', partition: 0, offset: 15, maxRecords: 100, maxBytes: 1024 * 1024 });
    assert.deepEqual(result.batches, []);
    assert.equal(result.nextOffset, 15);
    assert.equal(result.recordBytes, 0);
  });
});
