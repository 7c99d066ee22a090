import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { incomingRecords } from '../../../lib/records/record-encoding';
import { createTopicRequestSchema, fetchQuerySchema, produceRequestSchema } from '../../../lib/protocol/requests';
import { parseInput } from '../../../lib/core/validate';
import { ValidationError } from '../../../lib/core/errors';

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error;
  }
  assert.fail('expected a ValidationError');
}

describe('create topic request', () => {
  it('defaults to one partition and an empty config', () => {
    assert.deepEqual(parseInput(createTopicRequestSchema, { name: 'a.b_c-1' }), { name: 'a.b_c-1', partitions: 1, config: {} });
  });

  it('refuses a name longer than 249 characters, naming the limit', () => {
    const error = refusal(() => parseInput(createTopicRequestSchema, { name: 'x'.repeat(250) }));
    assert.equal(error.details.field, 'name');
    assert.equal(error.details.limit, 249);
  });

  for (const name of ['.', '..', '', 'has space', 'slash/name', 'hash#name']) {
    it(`refuses the topic name ${JSON.stringify(name)}`, () => {
      assert.equal(refusal(() => parseInput(createTopicRequestSchema, { name })).details.field, 'name');
    });
  }

  it('refuses zero or fractional partition counts', () => {
    assert.equal(refusal(() => parseInput(createTopicRequestSchema, { name: 'a', partitions: 0 })).details.limit, 1);
    assert.equal(refusal(() => parseInput(createTopicRequestSchema, { name: 'a', partitions: 1.5 })).details.field, 'partitions');
  });

  it('refuses a bad value for a known config key, naming the key', () => {
    const error = refusal(() => parseInput(createTopicRequestSchema, { name: 'a', config: { 'message.timestamp.type': 'Later' } }));
    assert.equal(error.details.field, 'config.message.timestamp.type');
  });
});

describe('produce request', () => {
  it('accepts headers as an object map and keeps them as an ordered list', () => {
    const request = parseInput(produceRequestSchema, { records: [{ value: 'v', headers: { a: '1', b: null } }] });
    assert.deepEqual(request.records[0]!.headers, [
      { key: 'a', value: '1' },
      { key: 'b', value: null },
    ]);
  });

  it('refuses more than 10,000 records, naming the limit', () => {
    const error = refusal(() => parseInput(produceRequestSchema, { records: Array.from({ length: 10_001 }, () => ({ value: '' })) }));
    assert.equal(error.details.field, 'records');
    assert.equal(error.details.limit, 10_000);
  });

  it('requires a value field on each record, naming the record', () => {
    assert.equal(refusal(() => parseInput(produceRequestSchema, { records: [{ value: 'a' }, { key: 'k' }] })).details.field, 'records[1].value');
  });

  it('refuses a key over 64 KiB after decoding', () => {
    const request = parseInput(produceRequestSchema, { records: [{ key: 'k'.repeat(65537), value: 'v' }] });
    const error = refusal(() => incomingRecords(request));
    assert.equal(error.details.field, 'records[0].key');
    assert.equal(error.details.limit, 65536);
  });

  it('decodes base64 and utf8 to the same bytes', () => {
    const utf8 = incomingRecords(parseInput(produceRequestSchema, { records: [{ value: 'héllo' }] }));
    const b64 = incomingRecords(parseInput(produceRequestSchema, { encoding: 'base64', records: [{ value: Buffer.from('héllo').toString('base64') }] }));
    assert.deepEqual(utf8[0]!.value, b64[0]!.value);
  });
});

describe('fetch query', () => {
  it('applies defaults', () => {
    assert.deepEqual(parseInput(fetchQuerySchema, {}), { waitMs: 0, maxRecords: 500, maxBytes: 1048576, encoding: 'base64' });
  });

  it('refuses maxBytes over 4 MiB, naming the limit', () => {
    const error = refusal(() => parseInput(fetchQuerySchema, { maxBytes: String(4 * 1024 * 1024 + 1) }));
    assert.equal(error.details.field, 'maxBytes');
    assert.equal(error.details.limit, 4194304);
  });

  it('refuses a negative or non-numeric offset', () => {
    assert.equal(refusal(() => parseInput(fetchQuerySchema, { offset: '-1' })).details.field, 'offset');
    assert.equal(refusal(() => parseInput(fetchQuerySchema, { offset: 'abc' })).details.field, 'offset');
  });
});
