import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeText, incomingRecords, recordsJson, recordView } from '../../../lib/records/record-encoding';
import { produceRequestSchema } from '../../../lib/protocol/requests';
import { UndecodableRecordError } from '../../../lib/core/errors';
import type { OffsetRecord } from '../../../lib/records/log-record';

const BOM = [0xef, 0xbb, 0xbf];
const stored: OffsetRecord = {
  offset: 3,
  timestamp: 1_700_000_000_000,
  key: Buffer.from([...BOM, 0x6b]),
  value: Buffer.from('\ufeffhello', 'utf8'),
  headers: [{ key: '\ufeffh', value: Buffer.from('\ufeffv', 'utf8') }],
};

describe('recordView', () => {
  it('renders a leading U+FEFF of key, value and header value in utf8, not dropping it', () => {
    const view = recordView(stored, 'utf8');
    assert.equal(view.key, '\ufeffk');
    assert.equal(view.value, '\ufeffhello');
    assert.deepEqual(view.headers, [{ key: '\ufeffh', value: '\ufeffv' }]);
  });

  it('renders the exact bytes in base64, and the header key as stored', () => {
    const view = recordView(stored, 'base64');
    assert.deepEqual(Buffer.from(view.key!, 'base64'), Buffer.from(stored.key!));
    assert.deepEqual(Buffer.from(view.value!, 'base64'), Buffer.from(stored.value!));
    assert.deepEqual(view.headers, [{ key: '\ufeffh', value: Buffer.from('\ufeffv').toString('base64') }]);
  });

  it('still refuses bytes that are not UTF-8 in utf8, naming the offset', () => {
    assert.throws(() => recordView({ ...stored, value: Buffer.from([0xff]) }, 'utf8'), (e: unknown) => e instanceof UndecodableRecordError && /offset 3/.test(e.message));
  });
});

describe('recordsJson', () => {
  // Bytes that are sometimes UTF-8 text with characters JSON must escape, sometimes not UTF-8 at all.
  const bytes = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }).map((text) => Buffer.from(text, 'utf8')),
    fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', '\u0000', '\u2028', 'é', '😀'), maxLength: 20 }).map((text) => Buffer.from(text, 'utf8')),
    fc.uint8Array({ maxLength: 40 }),
  );
  const record = fc.record({
    offset: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    timestamp: fc.nat({ max: 8.64e15 }),
    key: fc.option(bytes),
    value: fc.option(bytes),
    headers: fc.array(fc.record({ key: fc.string({ unit: 'binary', maxLength: 10 }), value: fc.option(bytes) }), { maxLength: 3 }),
  });
  const viaViews = (records: OffsetRecord[], encoding: 'utf8' | 'base64'): string => JSON.stringify(records.map((r) => recordView(r, encoding)));
  const outcome = (render: () => string): string => {
    try {
      return render();
    } catch (error) {
      return `threw ${(error as Error).name}: ${(error as Error).message}`;
    }
  };

  it('renders exactly what JSON.stringify of the record views renders, or refuses the same record the same way', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 5 }), fc.constantFrom('utf8' as const, 'base64' as const), (records, encoding) => {
        assert.equal(outcome(() => recordsJson(records, encoding)), outcome(() => viaViews(records, encoding)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('renders records whose bytes are views into a larger buffer from their own bytes only', () => {
    const segment = Buffer.from('xxhelloyy');
    const view = { ...stored, key: null, value: segment.subarray(2, 7), headers: [] };
    assert.equal(recordsJson([view], 'base64'), JSON.stringify([{ offset: 3, timestamp: stored.timestamp, key: null, value: Buffer.from('hello').toString('base64'), headers: [] }]));
  });
});

describe('decodeText', () => {
  const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  const textish = fc.oneof(
    fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b).toString('base64')),
    fc.string({ unit: fc.constantFrom('A', 'Q', 'z', '+', '/', '=', '-', '_', ' ', '\n', 'é'), maxLength: 12 }),
  );

  it('accepts exactly the base64 the pattern accepts (non-zero padding bits included), with the bytes Node decodes', () => {
    fc.assert(
      fc.property(textish, (text) => {
        if (BASE64.test(text)) assert.deepEqual(Buffer.from(decodeText(text, 'base64', 'value')), Buffer.from(text, 'base64'));
        else assert.throws(() => decodeText(text, 'base64', 'value'), { code: 'INVALID_REQUEST', details: { field: 'value' } });
      }),
      { numRuns: 3_000 },
    );
  });

  it('accepts base64 whose last character carries non-zero padding bits, as the pattern does', () => {
    assert.deepEqual(Buffer.from(decodeText('QR==', 'base64', 'value')), Buffer.from([0x41]));
  });
});

describe('incomingRecords', () => {
  it('keeps a leading U+FEFF of utf8 text as its three bytes', () => {
    const [record] = incomingRecords(
      produceRequestSchema.parse({ encoding: 'utf8', records: [{ key: '\ufeffk', value: '\ufeffhello', headers: [{ key: '\ufeffh', value: '\ufeffv' }] }] }),
    );
    assert.deepEqual(Buffer.from(record!.key!), Buffer.from([...BOM, 0x6b]));
    assert.deepEqual(Buffer.from(record!.value!), Buffer.from('\ufeffhello', 'utf8'));
    assert.equal(record!.headers[0]!.key, '\ufeffh');
    assert.deepEqual(Buffer.from(record!.headers[0]!.value!), Buffer.from([...BOM, 0x76]));
  });
});
