import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeBatch } from '../../../../lib/format/batch-codec';
import { kafkaRecordSet } from '../../../../lib/kafka/gateway/handlers/fetch';
import { decodeRecordBatches } from '../../../../lib/kafka/records/record-batch';
import { kafkaBatchFromStored, storedBatchHeader } from '../../../../lib/kafka/records/stored-batch';
import type { LogRecord } from '../../../../lib/records/log-record';

/** A stored batch of `values` at `baseOffset` (written into its first eight bytes, as fetchBatches answers it). */
function stored(baseOffset: number, values: string[], options: Parameters<typeof encodeBatch>[1] = {}): { baseOffset: number; bytes: Buffer } {
  const records: LogRecord[] = values.map((v, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(v), headers: [{ key: 'h', value: Buffer.from(String(i)) }], timestamp: 5_000 - i }));
  const bytes = encodeBatch(records, options);
  bytes.writeBigInt64BE(BigInt(baseOffset), 0);
  return { baseOffset, bytes };
}

const offsetsAndValues = (bytes: Uint8Array) => decodeRecordBatches(bytes).flatMap((b) => b.records.map((r) => [r.offset, r.value?.toString() ?? null]));

describe('stored batches as Kafka batches', () => {
  it('become a Kafka RecordBatch v2 that a Kafka decoder reads, CRC checked, with the same records', () => {
    const batch = stored(40, ['a', 'b', 'c']);
    const kafka = kafkaBatchFromStored(batch.bytes, 0);
    const [decoded] = decodeRecordBatches(kafka);
    assert.equal(decoded!.records.length, 3);
    assert.deepEqual(decoded!.records.map((r) => [r.offset, r.key?.toString(), r.value?.toString(), r.timestamp, r.headers[0]!.value?.toString()]), [
      [40, 'k0', 'a', 5_000, '0'],
      [41, 'k1', 'b', 4_999, '1'],
      [42, 'k2', 'c', 4_998, '2'],
    ]);
  });

  it('read their header without decoding', () => {
    assert.deepEqual(storedBatchHeader(stored(0, ['a', 'b']).bytes), { attributes: 0, lastOffsetDelta: 1, recordCount: 2 });
    assert.equal(storedBatchHeader(new Uint8Array(10)), undefined);
  });

  it('are passed through whole when they lie inside the fetch', () => {
    const set = kafkaRecordSet([stored(10, ['a', 'b']), stored(12, ['c'])], 10, 13);
    assert.deepEqual(offsetsAndValues(set.bytes), [[10, 'a'], [11, 'b'], [12, 'c']]);
    assert.equal(set.records, 3);
    assert.equal(set.bytes.length, stored(10, ['a', 'b']).bytes.length + stored(12, ['c']).bytes.length + 8, 'each batch only 4 bytes longer');
  });

  it('never answer records below the fetch offset or from nextOffset on', () => {
    const set = kafkaRecordSet([stored(10, ['a', 'b', 'c']), stored(13, ['d', 'e', 'f'])], 11, 15);
    assert.deepEqual(offsetsAndValues(set.bytes), [[11, 'b'], [12, 'c'], [13, 'd'], [14, 'e']]);
    assert.equal(set.records, 4);
  });

  it('re-encode a compressed batch uncompressed', () => {
    const set = kafkaRecordSet([stored(0, ['a', 'b'], { compression: 'gzip' })], 0, 2);
    const [decoded] = decodeRecordBatches(set.bytes);
    assert.equal(decoded!.compression, 'none');
    assert.deepEqual(offsetsAndValues(set.bytes), [[0, 'a'], [1, 'b']]);
  });
});
