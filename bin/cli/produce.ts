import { ProducerClosedError, SluiceProducer } from '../../lib/client/producer';
import { SluiceApiError, SluiceConnectionError } from '../../lib/client/sluice-http-client';
import type { ProduceRecord, ProducedRecord, RecordHeader } from '../../lib/client/types';
import { BASE64, type GlobalOptions, InputError, REQUEST_BODY_MAX_BYTES, clientFor, notes } from './common';
import { out } from './output';

/** `sluice produce`: values or stdin lines through a `SluiceProducer`, and what a failure means for the lines committed. */

export interface ProduceOptions {
  key?: string;
  keySeparator?: string;
  partition?: number;
  header?: [string, string][];
  base64?: boolean;
  /** An empty value is sent as null, a tombstone (kcat's -Z). */
  nullEmpty?: boolean;
  batchRecords: number;
  batchBytes: number;
  lingerMs: number;
  idempotence: boolean;
  retries: number;
  compression: 'none' | 'gzip';
  progress?: boolean;
  progressIntervalMs: number;
}

/** One record of input: a line of stdin or a value argument, numbered from 1. */
export interface InputItem {
  bytes: Buffer;
  n: number;
}

export function b64(bytes: Buffer | string): string {
  return (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('base64');
}

/** Splits a byte stream into lines at `\n`, dropping one trailing `\r`; a last line without `\n` still counts. */
async function* lines(stream: AsyncIterable<Buffer>): AsyncGenerator<InputItem> {
  let n = 0;
  let partial: Buffer[] = [];
  let partialBytes = 0;
  const line = (bytes: Buffer): InputItem => ({ bytes: bytes.at(-1) === 13 ? bytes.subarray(0, -1) : bytes, n: ++n });
  for await (const chunk of stream) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      yield line(partial.length > 0 ? Buffer.concat([...partial, piece]) : piece);
      partial = [];
      partialBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      partial.push(chunk.subarray(start));
      partialBytes += chunk.length - start;
      if (partialBytes > REQUEST_BODY_MAX_BYTES) {
        throw new InputError(`line ${n + 1}: longer than ${REQUEST_BODY_MAX_BYTES} bytes, more than a produce request may carry`, {
          line: n + 1,
          limit: REQUEST_BODY_MAX_BYTES,
        });
      }
    }
  }
  if (partialBytes > 0) yield line(Buffer.concat(partial));
}

async function* argumentValues(values: string[]): AsyncGenerator<InputItem> {
  for (const [i, value] of values.entries()) yield { bytes: Buffer.from(value, 'utf8'), n: i + 1 };
}

/**
 * What became of each input record. The CLI's producer keeps one call in flight, so
 * calls go in input order and what was committed is always a prefix of the input:
 * everything before the first record whose call failed.
 */
export class ProduceOutcome {
  readonly landed = new Map<number, ProducedRecord>();
  valueBytes = 0;
  /** The first call failure, and the input numbers of the records it carried. */
  failure?: { error: unknown; first: number; last: number };

  delivered(n: number, meta: ProducedRecord, bytes: number): void {
    this.landed.set(n, meta);
    this.valueBytes += bytes;
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

  /** Records in input order. */
  records(): ProducedRecord[] {
    return [...this.landed.entries()].sort(([a], [b]) => a - b).map(([, meta]) => meta);
  }

  partitions(): { partition: number; firstOffset: number; lastOffset: number; count: number }[] {
    const ranges = new Map<number, { partition: number; firstOffset: number; lastOffset: number; count: number }>();
    for (const r of this.landed.values()) {
      const range = ranges.get(r.partition);
      if (range) {
        range.firstOffset = Math.min(range.firstOffset, r.offset);
        range.lastOffset = Math.max(range.lastOffset, r.offset);
        range.count++;
      } else ranges.set(r.partition, { partition: r.partition, firstOffset: r.offset, lastOffset: r.offset, count: 1 });
    }
    return [...ranges.values()].sort((a, b) => a.partition - b.partition);
  }
}

/** Records per second and MiB per second of values, as text. */
export function rates(records: number, valueBytes: number, ms: number): { recordsPerSecond: number; mibPerSecond: number; text: string } {
  const seconds = Math.max(ms, 1) / 1000;
  const recordsPerSecond = Math.round(records / seconds);
  const mibPerSecond = valueBytes / 1024 / 1024 / seconds;
  return { recordsPerSecond, mibPerSecond, text: `${recordsPerSecond.toLocaleString('en-US')} records/s, ${mibPerSecond.toFixed(2)} MiB/s` };
}

/**
 * `produce`: a SluiceProducer (lib/client/producer.ts) with one call in flight, fed
 * from the arguments or stdin as a stream (send waits while the producer's buffer is
 * full, so a large input is never read into memory). The first failed call stops it:
 * records not yet sent are dropped unsent (abort), and the summary says which input
 * records were committed.
 */
export async function produce(topic: string, values: string[], opts: ProduceOptions, globals: GlobalOptions): Promise<void> {
  const client = clientFor(globals);
  const fromStdin = values.length === 0;
  const unit = fromStdin ? 'line' : 'value';
  const sep = opts.keySeparator === undefined ? undefined : Buffer.from(opts.keySeparator, 'utf8');
  const headers: RecordHeader[] = (opts.header ?? []).map(([key, value]) => ({ key, value: b64(value) }));
  const fixedKey = opts.key === undefined ? undefined : b64(opts.key);
  const producer = new SluiceProducer(client, {
    encoding: 'base64',
    idempotent: opts.idempotence,
    // One call at a time keeps the input order and makes "committed" a prefix of the input.
    maxInFlight: 1,
    lingerMs: opts.lingerMs,
    batchRecords: opts.batchRecords,
    batchBytes: opts.batchBytes,
    retries: opts.retries,
    compression: opts.compression,
  });
  const outcome = new ProduceOutcome();
  const notSent = new ProducerClosedError('not sent: an earlier call failed');

  const started = Date.now();
  let progress: NodeJS.Timeout | undefined;
  if (fromStdin && (process.stderr.isTTY || opts.progress)) {
    progress = setInterval(() => {
      const { calls } = producer.stats();
      const rate = rates(outcome.landed.size, outcome.valueBytes, Date.now() - started);
      process.stderr.write(`sluice produce: ${outcome.landed.size} records sent in ${calls} calls, ${rate.text}\n`);
    }, opts.progressIntervalMs);
  }
  if (fromStdin && process.stdin.isTTY) {
    process.stderr.write('Reading records from stdin, one per line; end with Ctrl-D.\n');
  }

  let inputError: unknown;
  try {
    const input = fromStdin ? lines(process.stdin) : argumentValues(values);
    for await (const item of input) {
      if (outcome.failure) break;
      const record = toRecord(item, { sep, unit, fixedKey, headers, base64: opts.base64, nullEmpty: opts.nullEmpty, partition: opts.partition });
      const [delivery] = await producer.send(topic, record);
      const bytes = item.bytes.length;
      delivery!.then(
        (meta) => outcome.delivered(item.n, meta, bytes),
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
    clearInterval(progress);
  }

  const elapsedMs = Date.now() - started;
  const { calls, retries } = producer.stats();
  const records = outcome.records();
  const partitions = outcome.partitions();
  const rate = rates(records.length, outcome.valueBytes, elapsedMs);
  const failure = outcome.failure ? atInput(outcome.failure.error, outcome.failure.first, unit) : inputError;
  if (globals.json) {
    // Even after an error, say exactly which records were committed.
    const identity = opts.idempotence && records.length > 0 ? await producer.producerIdentity().catch(() => undefined) : undefined;
    await out(
      `${JSON.stringify({
        topic,
        count: records.length,
        calls,
        retries,
        elapsedMs,
        recordsPerSecond: rate.recordsPerSecond,
        valueBytes: outcome.valueBytes,
        ...(identity && { producer: identity }),
        partitions,
        records,
      })}\n`,
    );
  } else if (failure === undefined) {
    const retried = retries > 0 ? ` (${retries} retr${retries === 1 ? 'y' : 'ies'})` : '';
    let text = `Produced ${records.length} record${records.length === 1 ? '' : 's'} to '${topic}' in ${calls} call${calls === 1 ? '' : 's'}${retried}.\n`;
    for (const p of partitions) {
      text += `  partition ${p.partition}: offsets ${p.firstOffset}-${p.lastOffset} (${p.count} record${p.count === 1 ? '' : 's'})\n`;
    }
    text += `  ${(elapsedMs / 1000).toFixed(2)} s: ${rate.text}\n`;
    await out(text);
  }
  if (failure !== undefined) {
    if (failure instanceof Error) notes.set(failure, committedNote(records.length, unit, outcome.failure, opts.idempotence));
    throw failure;
  }
}

/** Turns one line or value into a record on the wire, with everything base64. */
export function toRecord(
  item: InputItem,
  o: { sep?: Buffer; unit: string; fixedKey?: string; headers: RecordHeader[]; base64?: boolean; nullEmpty?: boolean; partition?: number },
): ProduceRecord {
  let key: string | undefined = o.fixedKey;
  let value = item.bytes;
  if (o.sep) {
    const at = item.bytes.indexOf(o.sep);
    if (at < 0) {
      throw new InputError(`${o.unit} ${item.n}: no key separator ${JSON.stringify(o.sep.toString('utf8'))}`, { [o.unit]: item.n });
    }
    key = b64(item.bytes.subarray(0, at));
    value = item.bytes.subarray(at + o.sep.length);
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
    ...(o.headers.length > 0 && { headers: o.headers }),
    ...(o.partition !== undefined && { partition: o.partition }),
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
