import assert from 'node:assert/strict';
import { syncBuiltinESMExports } from 'node:module';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { fetchResponseFromBatches } from '../../../lib/client/record-batches-reader';
import { SluiceApiError } from '../../../lib/client/sluice-http-client';
import { encodeBatch } from '../../../lib/format/batch-codec';
import type { Compression } from '../../../lib/format/compression';
import type { LogRecord } from '../../../lib/records/log-record';

/** A stored batch of `values` with `baseOffset` written into its first eight bytes, as a batches answer carries it. */
function batchAt(baseOffset: number, values: (string | Uint8Array)[], compression: Compression = 'none'): Buffer {
  const records: LogRecord[] = values.map((v, i) => ({ key: null, value: typeof v === 'string' ? Buffer.from(v) : v, headers: [], timestamp: 1_000 + i }));
  const bytes = encodeBatch(records, { compression });
  bytes.writeBigInt64BE(BigInt(baseOffset), 0);
  return bytes;
}

const headers = (next: number, extra: Record<string, string> = {}) =>
  new Headers({ 'sluice-next-offset': String(next), 'sluice-high-watermark': '20', 'sluice-log-start-offset': '0', ...extra });
const where = { topic: 't', partition: 0, from: 2, encoding: 'utf8' as const };

function refusal(action: () => unknown): SluiceApiError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof SluiceApiError, `expected a SluiceApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('fetchResponseFromBatches', () => {
  it('keeps the records from the offset asked for up to nextOffset, across batches', () => {
    const body = Buffer.concat([batchAt(0, ['a', 'b', 'c']), batchAt(3, ['d', 'e', 'f'])]);
    const answer = fetchResponseFromBatches(body, headers(5), where);
    assert.deepEqual(answer.records.map((r) => [r.offset, r.value]), [[2, 'c'], [3, 'd'], [4, 'e']]);
    assert.equal(answer.nextOffset, 5);
    assert.equal(answer.highWatermark, 20);
  });

  it('renders values as base64 when asked, as the JSON answer does', () => {
    const answer = fetchResponseFromBatches(batchAt(2, [new Uint8Array([0xff, 0x00])]), headers(3), { ...where, encoding: 'base64' });
    assert.equal(answer.records[0]!.value, '/wA=');
  });

  it('reads an empty body as an empty answer', () => {
    const answer = fetchResponseFromBatches(new Uint8Array(0), headers(20, { 'sluice-closed': 'true' }), where);
    assert.deepEqual(answer.records, []);
    assert.equal(answer.closed, true);
  });

  it('inflates gzip and zstd batches with node:zlib', () => {
    const body = Buffer.concat([batchAt(2, ['a', 'b'], 'gzip'), batchAt(4, ['c'], 'zstd')]);
    assert.deepEqual(fetchResponseFromBatches(body, headers(5), where).records.map((r) => [r.offset, r.value]), [[2, 'a'], [3, 'b'], [4, 'c']]);
  });

  it('refuses a zstd batch with COMPRESSION_UNSUPPORTED on a Node without zstd (before 22.15), reading gzip still', (t) => {
    const mutable = zlib as unknown as Record<string, unknown>;
    const saved = mutable.zstdDecompressSync;
    const zstdBatch = batchAt(2, ['z'], 'zstd');
    t.after(() => {
      mutable.zstdDecompressSync = saved;
      syncBuiltinESMExports();
    });
    mutable.zstdDecompressSync = undefined;
    syncBuiltinESMExports();
    const error = refusal(() => fetchResponseFromBatches(zstdBatch, headers(3), where));
    assert.equal(error.code, 'COMPRESSION_UNSUPPORTED');
    assert.equal(error.retriable, false);
    assert.equal(fetchResponseFromBatches(batchAt(2, ['g'], 'gzip'), headers(3), where).records[0]!.value, 'g');
  });

  it('refuses a batch whose CRC-32C does not match with CORRUPT_RECORD', () => {
    const body = batchAt(2, ['hello']);
    body[body.length - 1]! ^= 0x01;
    assert.equal(refusal(() => fetchResponseFromBatches(body, headers(3), where)).code, 'CORRUPT_RECORD');
  });

  it('refuses a body cut inside a batch with CORRUPT_RECORD', () => {
    const body = batchAt(2, ['hello']);
    assert.equal(refusal(() => fetchResponseFromBatches(body.subarray(0, body.length - 3), headers(3), where)).code, 'CORRUPT_RECORD');
  });

  it('refuses an answer without its offsets headers with INVALID_RESPONSE', () => {
    assert.equal(refusal(() => fetchResponseFromBatches(batchAt(2, ['x']), new Headers(), where)).code, 'INVALID_RESPONSE');
  });

  it('refuses a value that is not UTF-8 under encoding=utf8 with UNDECODABLE_RECORD', () => {
    assert.equal(refusal(() => fetchResponseFromBatches(batchAt(2, [new Uint8Array([0xc3, 0x28])]), headers(3), where)).code, 'UNDECODABLE_RECORD');
  });
});
