import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePartitions, parseUtcDateTime, resetRequest, type ResetForm } from '../../../../lib/console/model/reset-plan';

const FORM: ResetForm = { topic: 'orders', partitions: 'all', target: 'earliest', offset: '', dateTime: '' };

describe('the reset-offsets form', () => {
  it('reads partitions as numbers and ranges, "all" or nothing as every partition', () => {
    assert.deepEqual(parsePartitions('0, 2-4, 2'), [0, 2, 3, 4]);
    assert.equal(parsePartitions('all'), undefined);
    assert.equal(parsePartitions(' '), undefined);
    assert.equal(parsePartitions('1,x'), null);
    assert.equal(parsePartitions('4-2'), null);
  });

  it('asks for every partition by leaving partitions out', () => {
    assert.deepEqual(resetRequest(FORM, true), { ok: true, request: { topic: 'orders', to: { type: 'earliest' }, dryRun: true } });
  });

  it('builds an offset target with the chosen partitions', () => {
    assert.deepEqual(resetRequest({ ...FORM, partitions: '1', target: 'offset', offset: '42' }, false), {
      ok: true,
      request: { topic: 'orders', partitions: [1], to: { type: 'offset', offset: 42 }, dryRun: false },
    });
  });

  it('reads a date-time as UTC', () => {
    const built = resetRequest({ ...FORM, target: 'timestamp', dateTime: '2026-12-08T01:30' }, true);
    assert.deepEqual(built.ok && built.request.to, { type: 'timestamp', timestamp: Date.UTC(2026, 11, 8, 1, 30) });
    assert.equal(parseUtcDateTime('2026-12-08T01:30:15.5'), Date.UTC(2026, 11, 8, 1, 30, 15, 500));
  });

  it('names the field that is wrong', () => {
    const field = (form: Partial<ResetForm>) => {
      const built = resetRequest({ ...FORM, ...form }, true);
      return built.ok ? undefined : built.field;
    };
    assert.equal(field({ topic: '' }), 'topic');
    assert.equal(field({ partitions: 'some' }), 'partitions');
    assert.equal(field({ target: 'offset', offset: '-1' }), 'offset');
    assert.equal(field({ target: 'offset', offset: '' }), 'offset');
    assert.equal(field({ target: 'timestamp', dateTime: '2026-02-31T00:00' }), 'dateTime');
  });
});
