import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { incomingRecords, recordView } from '../../../lib/records/record-encoding';
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
