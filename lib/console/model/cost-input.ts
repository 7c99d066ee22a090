import type { CostInput } from '../../cost/estimate';
import { LIMITS } from '../../protocol/limits';

/**
 * The cost screen's editable workload: the fields as typed (strings), filled from the
 * measured traffic until the user edits them, and read into the cost model's CostInput
 * with the limits `sluice cost` applies to its options (bin/cli/cost.ts).
 */
export interface CostFields {
  recordsPerSecond: string;
  recordBytes: string;
  batchRecords: string;
  fetchRecords: string;
  consumers: string;
  retentionHours: string;
  partitions: string;
  activeHoursPerDay: string;
}

export type CostField = keyof CostFields;

/** What the measurement gives; the other fields keep the CLI's defaults. */
export interface MeasuredWorkload {
  recordsPerSecond: number;
  recordBytes: number;
  consumers: number;
  retentionHours: number;
  partitions: number;
}

/** `sluice cost`'s defaults for what the browser cannot measure. */
export const DEFAULT_FIELDS: CostFields = {
  recordsPerSecond: '0',
  recordBytes: '1024',
  batchRecords: '100',
  fetchRecords: '100',
  consumers: '1',
  retentionHours: '168',
  partitions: '1',
  activeHoursPerDay: '24',
};

/** A measured figure as a field shows it: whole above 100, else to three decimals. */
export function fieldNumber(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0';
  return String(n >= 100 ? Math.round(n) : Number(n.toFixed(3)));
}

/** The measured fields; a measurement of 0 partitions (no topics yet) prices one. */
export function measuredFields(measured: MeasuredWorkload): Pick<CostFields, 'recordsPerSecond' | 'recordBytes' | 'consumers' | 'retentionHours' | 'partitions'> {
  return {
    recordsPerSecond: fieldNumber(measured.recordsPerSecond),
    recordBytes: String(Math.max(1, Math.round(measured.recordBytes))),
    consumers: String(Math.max(0, Math.round(measured.consumers))),
    retentionHours: fieldNumber(measured.retentionHours) === '0' ? DEFAULT_FIELDS.retentionHours : fieldNumber(measured.retentionHours),
    partitions: String(Math.max(1, Math.round(measured.partitions))),
  };
}

export type CostInputResult = { ok: true; input: CostInput } | { ok: false; field: CostField; message: string };

const DECIMAL = /^\d+(\.\d+)?$/;
const WHOLE = /^\d+$/;

/** Reads the fields as `sluice cost` reads its options; the first field at fault is named. */
export function costInputFromFields(fields: CostFields): CostInputResult {
  const decimal = (field: CostField, min: number, max: number, inclusive: boolean): number | string => {
    const raw = fields[field].trim();
    const n = DECIMAL.test(raw) ? Number(raw) : NaN;
    if (!Number.isFinite(n) || (inclusive ? n < min : n <= min) || n > max) return `must be a number ${inclusive ? `of at least ${min}` : `above ${min}`}${max < Number.MAX_VALUE ? ` and at most ${max}` : ''}`;
    return n;
  };
  const whole = (field: CostField, min: number, max: number): number | string => {
    const raw = fields[field].trim();
    const n = WHOLE.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) return `must be a whole number from ${min} to ${max}`;
    return n;
  };
  const checks: [CostField, () => number | string][] = [
    ['recordsPerSecond', () => decimal('recordsPerSecond', 0, Number.MAX_VALUE, true)],
    ['recordBytes', () => whole('recordBytes', 1, 8 * 1024 * 1024)],
    ['batchRecords', () => whole('batchRecords', 1, 10_000)],
    ['fetchRecords', () => whole('fetchRecords', 1, 100_000)],
    ['consumers', () => whole('consumers', 0, 10_000)],
    ['retentionHours', () => decimal('retentionHours', 0, Number.MAX_VALUE, false)],
    ['partitions', () => whole('partitions', 1, 100_000)],
    ['activeHoursPerDay', () => decimal('activeHoursPerDay', 0, 24, false)],
  ];
  const values = {} as Record<CostField, number>;
  for (const [field, check] of checks) {
    const value = check();
    if (typeof value === 'string') return { ok: false, field, message: value };
    values[field] = value;
  }
  // A produce call's body carries the values as base64: a batch that cannot be sent is no workload to price.
  if (Math.ceil((values.batchRecords * values.recordBytes) / 3) * 4 > LIMITS.requestBodyMaxBytes) {
    return { ok: false, field: 'batchRecords', message: `a produce call of ${values.batchRecords} records of ${values.recordBytes} B is over the ${LIMITS.requestBodyMaxBytes / (1024 * 1024)} MiB request limit as base64` };
  }
  // A fetch answers at most its maximum bytes, whatever the records asked for.
  const fetchable = Math.max(1, Math.floor(LIMITS.fetchMaxBytesMax / values.recordBytes));
  return {
    ok: true,
    input: {
      bytesPerSecond: values.recordsPerSecond * values.recordBytes,
      recordBytes: values.recordBytes,
      batchRecords: values.batchRecords,
      fetchRecords: Math.min(values.fetchRecords, fetchable),
      consumers: values.consumers,
      retentionHours: values.retentionHours,
      partitions: values.partitions,
      activeHoursPerDay: values.activeHoursPerDay,
    },
  };
}

/** Dollars as `sluice cost` prints them. */
export function formatUsd(n: number): string {
  return n >= 1000 ? `$${Math.round(n).toLocaleString('en-US')}` : n >= 10 ? `$${n.toFixed(2)}` : n >= 0.01 ? `$${n.toFixed(3)}` : n === 0 ? '$0' : `$${n.toPrecision(2)}`;
}
