import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { costInputFromFields, DEFAULT_FIELDS, fieldNumber, formatUsd, measuredFields, type CostFields } from '../../../../lib/console/model/cost-input';

const fields = (over: Partial<CostFields> = {}): CostFields => ({ ...DEFAULT_FIELDS, ...over });

describe('costInputFromFields', () => {
  it('prices records/s times record bytes as the write rate', () => {
    const result = costInputFromFields(fields({ recordsPerSecond: '12.5', recordBytes: '200', consumers: '3', partitions: '6', retentionHours: '48' }));
    assert.ok(result.ok);
    assert.deepEqual(result.input, { bytesPerSecond: 2_500, recordBytes: 200, batchRecords: 100, fetchRecords: 100, consumers: 3, retentionHours: 48, partitions: 6, activeHoursPerDay: 24 });
  });

  it('accepts zero traffic and zero consumer groups', () => {
    const result = costInputFromFields(fields({ recordsPerSecond: '0', consumers: '0' }));
    assert.ok(result.ok);
    assert.equal(result.input.bytesPerSecond, 0);
  });

  it('names the first field at fault', () => {
    assert.deepEqual(costInputFromFields(fields({ recordBytes: '0' })), { ok: false, field: 'recordBytes', message: 'must be a whole number from 1 to 8388608' });
    assert.equal((costInputFromFields(fields({ recordsPerSecond: 'lots' })) as { field: string }).field, 'recordsPerSecond');
    assert.equal((costInputFromFields(fields({ activeHoursPerDay: '25' })) as { field: string }).field, 'activeHoursPerDay');
    assert.equal((costInputFromFields(fields({ partitions: '1.5' })) as { field: string }).field, 'partitions');
  });

  it('refuses a batch whose produce body would pass the request limit', () => {
    const result = costInputFromFields(fields({ recordBytes: '1048576', batchRecords: '10' }));
    assert.equal(result.ok, false);
    assert.equal((result as { field: string }).field, 'batchRecords');
  });

  it('holds a fetch to its 4 MiB whatever the records asked for', () => {
    const result = costInputFromFields(fields({ recordBytes: '1048576', batchRecords: '1', fetchRecords: '100' }));
    assert.ok(result.ok);
    assert.equal(result.input.fetchRecords, 4);
  });
});

describe('measuredFields', () => {
  it('rounds a measurement to what a field shows', () => {
    assert.deepEqual(measuredFields({ recordsPerSecond: 3.14159, recordBytes: 99.6, consumers: 2, retentionHours: 168, partitions: 5 }), {
      recordsPerSecond: '3.142',
      recordBytes: '100',
      consumers: '2',
      retentionHours: '168',
      partitions: '5',
    });
  });

  it('prices one partition and 1-byte records at least, so an empty platform still has a figure', () => {
    const shown = measuredFields({ recordsPerSecond: 0, recordBytes: 0, consumers: 0, retentionHours: 168, partitions: 0 });
    assert.equal(shown.partitions, '1');
    assert.equal(shown.recordBytes, '1');
    assert.equal(shown.recordsPerSecond, '0');
  });

  it('shows large rates whole', () => {
    assert.equal(fieldNumber(1234.56), '1235');
  });
});

describe('formatUsd', () => {
  it('prints dollars as sluice cost does', () => {
    assert.deepEqual([0, 0.004, 0.5, 12.345, 1234.5].map(formatUsd), ['$0', '$0.0040', '$0.500', '$12.35', '$1,235']);
  });
});
