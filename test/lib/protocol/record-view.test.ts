import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredOffsetRecord } from '../../../lib/protocol/record-batch-decoding';
import { recordView } from '../../../lib/protocol/record-view';
import { UndecodableRecordError } from '../../../lib/protocol/sluice-error';

const utf8 = (text: string) => new TextEncoder().encode(text);
const stored: StoredOffsetRecord = { offset: 9, timestamp: 5, key: null, value: utf8('v'), headers: [{ key: 'h', value: utf8('x') }] };

describe('recordView', () => {
  it('renders base64 with the encoder it is given, for the value and header values alike', () => {
    const seen: string[] = [];
    const view = recordView(stored, 'base64', (bytes) => (seen.push(new TextDecoder().decode(bytes)), `b64(${seen.at(-1)})`));
    assert.deepEqual(view, { offset: 9, timestamp: 5, key: null, value: 'b64(v)', headers: [{ key: 'h', value: 'b64(x)' }] });
    assert.deepEqual(seen, ['v', 'x']);
  });

  it('refuses a header value that is not UTF-8 under utf8 with UNDECODABLE_RECORD, naming it and the offset', () => {
    const record = { ...stored, headers: [{ key: 'h', value: new Uint8Array([0xc3, 0x28]) }] };
    assert.throws(
      () => recordView(record, 'utf8', () => assert.fail('base64 under utf8')),
      (e: unknown) => e instanceof UndecodableRecordError && e.code === 'UNDECODABLE_RECORD' && e.message === "The header 'h' of the record at offset 9 is not UTF-8; fetch with encoding=base64",
    );
  });
});
