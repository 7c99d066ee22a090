import { ProducerClosedError, SluiceProducer } from '../../lib/client/producer';
import { describe } from '../../lib/client/retry';
import { SluiceApiError, SluiceConnectionError } from '../../lib/client/sluice-http-client';
import type { ProduceRecord, ProducedRecord, RecordHeader } from '../../lib/client/types';
import { BASE64, type GlobalOptions, InputError, clientFor, notes } from './common';
import { out } from './output';
import { type FormatPart, LineFormatError, type ParsedLine, parseLine } from './produce-format';
import { type InputItem, argumentValues, inputSize, lines, wholeFiles } from './produce-input';
import { startProgress } from './progress';

/** `sluice produce`: values, whole files or stdin lines through a `SluiceProducer`, and what a failure means for the records committed. */

export interface ProduceOptions {
  key?: string;
  keySeparator?: string;
  partition?: number;
  header?: [string, string][];
  base64?: boolean;
  /** An empty value is sent as null, a tombstone (kcat's -Z); `tombstone` is rpk's name for it. */
  nullEmpty?: boolean;
  tombstone?: boolean;
  /** Each line split by this format into key, value, headers, partition and timestamp (rpk's --format). */
  format?: FormatPart[];
  /** Each of these files as one record (`-`: stdin). */
  file?: string[];
  batchRecords: number;
  batchBytes: number;
  lingerMs: number;
  idempotence: boolean;
  retries: number;
  compression: 'none' | 'gzip';
  progress?: boolean;
  /** Accepted for older scripts; the display now paces itself (bin/cli/progress.ts). */
  progressIntervalMs?: number;
}

export function b64(bytes: Buffer | string): string {
  return (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('base64');
}

/**
 * What became of each input record. The CLI's producer keeps one call in flight, so
 * calls go in input order and what was committed is always a prefix of the input:
 * everything before the first record whose call failed. Each record's offset is kept
 * only when it is printed (`--json`): a long produce keeps counts, not millions of records.
 */
export class ProduceOutcome {
  private readonly landed = new Map<number, ProducedRecord>();
  private readonly ranges = new Map<number, { partition: number; firstOffset: number; lastOffset: number; count: number }>();
  count = 0;
  valueBytes = 0;
  /** The first call failure, and the input numbers of the records it carried. */
  failure?: { error: unknown; first: number; last: number };

  constructor(private readonly keepRecords = true) {}

  delivered(n: number, meta: ProducedRecord, bytes: number): void {
    if (this.keepRecords) this.landed.set(n, meta);
    this.count++;
    this.valueBytes += bytes;
    const range = this.ranges.get(meta.partition);
    if (range) {
      range.firstOffset = Math.min(range.firstOffset, meta.offset);
      range.lastOffset = Math.max(range.lastOffset, meta.offset);
      range.count++;
    } else this.ranges.set(meta.partition, { partition: meta.partition, firstOffset: meta.offset, lastOffset: meta.offset, count: 1 });
  }

  /** Records a failed record; true for the first failure. */
  failed(n: number, error: unknown): boolean {
    if (!this.failure) {
      this.failure = { error, first: n, last: n };
      return true;
    }
    if (error === this.failure.error) {
      this.failure.first = Math.min(this.failure.first, n);
      this.failure.last = Math.max(this.failure.last, n);
    }
    return false;
  }

  /** Records in input order (none unless kept). */
  records(): ProducedRecord[] {
    return [...this.landed.entries()].sort(([a], [b]) => a - b).map(([, meta]) => meta);
  }

  partitions(): { partition: number; firstOffset: number; lastOffset: number; count: number }[] {
    return [...this.ranges.values()].sort((a, b) => a.partition - b.partition).map((r) => ({ ...r }));
  }
}

/** Records per second and MiB per second of values, as text. */
export function rates(records: number, valueBytes: number, ms: number): { recordsPerSecond: number; mibPerSecond: number; text: string } {
  const seconds = Math.max(ms, 1) / 1000;
  const recordsPerSecond = Math.round(records / seconds);
  const mibPerSecond = valueBytes / 1024 / 1024 / seconds;
  return { recordsPerSecond, mibPerSecond, text: `${recordsPerSecond.toLocaleString('en-US')} records/s, ${mibPerSecond.toFixed(2)} MiB/s` };
}

/** What a retry the producer waits for means, for the progress line: a quota's 429 is "throttled". */
export function retryNote(error: unknown, delayMs: number): string {
  const wait = delayMs >= 1000 ? `${Math.ceil(delayMs / 1000)} s` : `${Math.max(1, Math.round(delayMs))} ms`;
  if (error instanceof SluiceApiError && error.status === 429) return `throttled (${error.code}): retrying in ${wait}`;
  return `${describe(error)}: retrying in ${wait}`;
}

/** A usage error in options that parse alone but not together, for the command to report (exit 2); undefined if none. */
export function produceUsageError(values: string[], opts: ProduceOptions): string | undefined {
  const format = opts.format ?? [];
  const has = (kind: string): boolean => format.some((p) => 'field' in p && p.field.kind === kind);
  if (opts.file && values.length > 0) return 'give values or --file, not both';
  if (opts.key !== undefined && has('key')) return '--key and a --format with %k both give the key';
  if (opts.partition !== undefined && has('partition')) return '--partition and a --format with %p both give the partition';
  return undefined;
}

/**
 * `produce`: a SluiceProducer (lib/client/producer.ts) with one call in flight, fed
 * from the arguments, whole files or stdin as a stream (send waits while the producer's
 * buffer is full, so a large input is never read into memory). The first failed call
 * stops it: records not yet sent are dropped unsent (abort), and the summary says which
 * input records were committed.
 */
export async function produce(topic: string, values: string[], opts: ProduceOptions, globals: GlobalOptions): Promise<void> {
  const client = clientFor(globals);
  const fromStdin = values.length === 0 && !opts.file;
  const unit = opts.file ? 'file' : fromStdin ? 'line' : 'value';
  const sep = opts.keySeparator === undefined ? undefined : Buffer.from(opts.keySeparator, 'utf8');
  const headers: RecordHeader[] = (opts.header ?? []).map(([key, value]) => ({ key, value: b64(value) }));
  const fixedKey = opts.key === undefined ? undefined : b64(opts.key);
  const nullEmpty = opts.nullEmpty === true || opts.tombstone === true;

  const progress = startProgress({
    label: `produce ${topic}`,
    enabled: (fromStdin || opts.file !== undefined) && (process.stderr.isTTY === true || opts.progress === true),
    totalBytes: inputSize(opts.file, fromStdin),
  });
  const producer = new SluiceProducer(client, {
    encoding: 'base64',
    idempotent: opts.idempotence,
    // One call at a time keeps the input order and makes "committed" a prefix of the input.
    maxInFlight: 1,
    lingerMs: opts.lingerMs,
    batchRecords: opts.batchRecords,
    batchBytes: opts.batchBytes,
    // With one call in flight, a few batches read ahead keep it busy; the client's 32 MiB
    // default held ~300k small lines' promises and closures (~1 GB of heap at 1M lines).
    bufferBytes: Math.max(4 * opts.batchBytes, 4 * 1024 * 1024),
    retries: opts.retries,
    compression: opts.compression,
    // A quota or throttle holding the producer back is said, not a silent stall; short retries of a contended commit are not news.
    onRetry: ({ error, delayMs }) => {
      if ((error instanceof SluiceApiError && error.status === 429) || delayMs >= 1000) progress.note(retryNote(error, delayMs));
    },
  });
  const outcome = new ProduceOutcome(globals.json === true);
  const notSent = new ProducerClosedError('not sent: an earlier call failed');

  const started = Date.now();
  if (fromStdin && process.stdin.isTTY) {
    process.stderr.write('Reading records from stdin, one per line; end with Ctrl-D.\n');
  }

  let inputError: unknown;
  try {
    const input = opts.file ? wholeFiles(opts.file) : fromStdin ? lines(process.stdin) : argumentValues(values);
    const shape = { sep, format: opts.format, unit, fixedKey, headers, base64: opts.base64, nullEmpty, partition: opts.partition };
    for await (const item of input) {
      if (outcome.failure) break;
      const record = toRecord(item, shape);
      const [delivery] = await producer.send(topic, record);
      const bytes = record.value === null ? 0 : item.bytes.length;
      const inputBytes = item.inputBytes;
      delivery!.then(
        (meta) => {
          outcome.delivered(item.n, meta, bytes);
          progress.update({ records: 1, bytes: inputBytes });
        },
        // Abort right here, before the producer can start its next call.
        (err: unknown) => outcome.failed(item.n, err) && void producer.abort(notSent),
      );
    }
  } catch (err) {
    if (err !== notSent) inputError = err; // bad input: what came before it is still sent
  }
  try {
    await producer.close();
  } catch {
    // Each record's own outcome is already in `outcome`.
  } finally {
    progress.done();
  }

  const elapsedMs = Date.now() - started;
  const { calls, retries } = producer.stats();
  const count = outcome.count;
  const partitions = outcome.partitions();
  const rate = rates(count, outcome.valueBytes, elapsedMs);
  const failure = outcome.failure ? atInput(outcome.failure.error, outcome.failure.first, unit) : inputError;
  if (globals.json) {
    // Even after an error, say exactly which records were committed.
    const identity = opts.idempotence && count > 0 ? await producer.producerIdentity().catch(() => undefined) : undefined;
    await out(
      `${JSON.stringify({
        topic,
        count,
        calls,
        retries,
        elapsedMs,
        recordsPerSecond: rate.recordsPerSecond,
        valueBytes: outcome.valueBytes,
        ...(identity && { producer: identity }),
        partitions,
        records: outcome.records(),
      })}\n`,
    );
  } else if (failure === undefined) {
    const retried = retries > 0 ? ` (${retries} retr${retries === 1 ? 'y' : 'ies'})` : '';
    let text = `Produced ${count} record${count === 1 ? '' : 's'} to '${topic}' in ${calls} call${calls === 1 ? '' : 's'}${retried}.\n`;
    for (const p of partitions) {
      text += `  partition ${p.partition}: offsets ${p.firstOffset}-${p.lastOffset} (${p.count} record${p.count === 1 ? '' : 's'})\n`;
    }
    text += `  ${(elapsedMs / 1000).toFixed(2)} s: ${rate.text}\n`;
    await out(text);
  }
  if (failure !== undefined) {
    if (failure instanceof Error) notes.set(failure, committedNote(count, unit, outcome.failure, opts.idempotence));
    throw failure;
  }
}

/** How each input item becomes a record: the options that shape every record. */
export interface RecordShape {
  sep?: Buffer;
  format?: readonly FormatPart[];
  unit: string;
  fixedKey?: string;
  headers: RecordHeader[];
  base64?: boolean;
  nullEmpty?: boolean;
  partition?: number;
}

/** Turns one line, value or file into a record on the wire, with everything base64. */
export function toRecord(item: InputItem, o: RecordShape): ProduceRecord {
  let key: string | undefined = o.fixedKey;
  let value = item.bytes;
  let headers = o.headers;
  let partition = o.partition;
  let timestamp: number | undefined;
  if (o.sep) {
    const at = item.bytes.indexOf(o.sep);
    if (at < 0) {
      throw new InputError(`${o.unit} ${item.n}: no key separator ${JSON.stringify(o.sep.toString('utf8'))}`, { [o.unit]: item.n });
    }
    key = b64(item.bytes.subarray(0, at));
    value = item.bytes.subarray(at + o.sep.length);
  } else if (o.format) {
    let parsed: ParsedLine;
    try {
      parsed = parseLine(o.format, item.bytes);
    } catch (err) {
      if (!(err instanceof LineFormatError)) throw err;
      throw new InputError(`${o.unit} ${item.n}: does not match --format: ${err.message}`, { [o.unit]: item.n });
    }
    if (parsed.key !== undefined) key = b64(parsed.key);
    value = parsed.value ?? Buffer.alloc(0);
    if (parsed.headers.length > 0) headers = [...headers, ...parsed.headers.map(([name, bytes]) => ({ key: name, value: b64(bytes) }))];
    partition = parsed.partition ?? partition;
    timestamp = parsed.timestamp;
  }
  let encoded: string | null;
  if (o.nullEmpty && value.length === 0) encoded = null;
  else if (o.base64) {
    encoded = value.toString('latin1');
    if (!BASE64.test(encoded)) throw new InputError(`${o.unit} ${item.n}: the value is not valid base64`, { [o.unit]: item.n });
  } else encoded = b64(value);
  return {
    ...(key !== undefined && { key }),
    value: encoded,
    ...(headers.length > 0 && { headers }),
    ...(partition !== undefined && { partition }),
    ...(timestamp !== undefined && { timestamp }),
  };
}

/** Puts the input line or value number into an error about `records[i]` of a call whose first record was input `first`. */
export function atInput(err: unknown, first: number, unit: string): unknown {
  if (!(err instanceof SluiceApiError)) return err;
  const match = typeof err.details.field === 'string' ? /^records\[(\d+)\]/.exec(err.details.field) : null;
  if (!match) return err;
  const n = first + Number(match[1]);
  return new SluiceApiError(err.status, err.code, `${unit} ${n}: ${err.message}`, err.retriable, { ...err.details, [unit]: n });
}

/**
 * Whether a failed call may have committed: the connection failed or the retries ran
 * out on an error that does not say nothing was written. A Sluice error answer that is
 * not retriable, a contended commit and a 429 (quota or throttle) are sure refusals.
 */
export function inDoubt(err: unknown): boolean {
  if (err instanceof SluiceConnectionError) return true;
  return err instanceof SluiceApiError && err.retriable && err.code !== 'COMMIT_CONTENDED' && err.status !== 429;
}

export function committedNote(through: number, unit: string, failed: { error: unknown; first: number; last: number } | undefined, idempotent: boolean): string {
  const committed = through === 0 ? 'nothing was committed' : `${unit}s 1-${through} were committed`;
  if (failed && inDoubt(failed.error)) {
    return `note: ${committed}; ${unit}s ${failed.first}-${failed.last} may or may not have been; nothing after ${unit} ${failed.last} was sent`;
  }
  let note = through === 0 ? `note: ${committed}` : `note: ${committed}; nothing from ${unit} ${through + 1} on was committed`;
  const err = failed?.error;
  if (idempotent && err instanceof SluiceApiError && err.code === 'ACCESS_DENIED' && err.details.resourceType === 'CLUSTER') {
    note += '\nnote: an idempotent producer needs WRITE on the cluster; --no-idempotence produces without it';
  }
  return note;
}
