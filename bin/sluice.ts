/**
 * The `sluice` command line: manage topics, produce records and consume them, and
 * administer push subscriptions, ACLs and quotas, over the Sluice HTTP API
 * (docs/http-api.md). Run it with `npx sluice …` in this repository, or
 * `npm run sluice -- …`.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { GroupConsumer } from '../lib/client/group-consumer';
import { iamSigner } from '../lib/client/iam-signer';
import { PRODUCER_DEFAULTS, ProducerClosedError, SluiceProducer } from '../lib/client/producer';
import { SluiceApiError, SluiceConnectionError, SluiceHttpClient } from '../lib/client/sluice-http-client';
import type {
  AclOperation,
  AclResourceType,
  AclRule,
  AssignorName,
  FetchedRecord,
  GroupSummary,
  PartitionOffsets,
  PartitionPosition,
  ProduceRecord,
  ProducedRecord,
  Quota,
  RecordHeader,
  ResetPolicy,
  Subscription,
  SubscriptionDescription,
  SubscriptionRequest,
  Topic,
  TopicAssignment,
} from '../lib/client/types';

const DEFAULT_URL = 'http://localhost:8780';
/** The request body limit; a line longer than this can never be sent. */
const REQUEST_BODY_MAX_BYTES = 5 * 1024 * 1024;
const FETCH_MAX_RECORDS = 500;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface GlobalOptions {
  url: string;
  json?: boolean;
  auth: 'none' | 'iam' | 'token';
  token?: string;
  region?: string;
}

/** Bad input read from stdin or the arguments (not a usage error: the command line itself was fine). */
/** A line printed after an error's own, to say what it means for the work done (produce: what was committed). */
const notes = new WeakMap<Error, string>();

class InputError extends Error {
  readonly code = 'INVALID_INPUT';
  readonly retriable = false;
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------
// Argument parsers

function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

function collect<T>(parse: (value: string) => T): (value: string, previous: T[]) => T[] {
  return (value, previous = []) => [...previous, parse(value)];
}

function keyValue(value: string): [string, string] {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('must be key=value');
  return [value.slice(0, at), value.slice(at + 1)];
}

function baseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('must be an http:// or https:// URL');
  return value;
}

type StartFrom = 'earliest' | 'latest' | number;

function startFrom(value: string): StartFrom {
  if (value === 'earliest' || value === 'latest') return value;
  if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  throw new InvalidArgumentError('must be earliest, latest or an offset');
}

/** `\t` on the command line means a tab, since shells make a literal tab awkward to type. */
function separator(value: string): string {
  if (value === '') throw new InvalidArgumentError('must not be empty');
  return value === '\\t' ? '\t' : value;
}

/** One of `choices`, given in any case; answers it upper-case, as the API spells it. */
function upperChoice<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    const upper = value.toUpperCase() as T;
    if (!choices.includes(upper)) throw new InvalidArgumentError(`must be one of ${choices.map((c) => c.toLowerCase()).join(', ')}`);
    return upper;
  };
}

/** `--max-record-age-seconds`: -1 (no limit) or 60-604800, as the API allows. */
function maxRecordAge(value: string): number {
  if (value === '-1') return -1;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 60 || n > 604_800) throw new InvalidArgumentError('must be -1 (no limit) or an integer from 60 to 604800');
  return n;
}

const BYTE_RATE_MAX = 10 * 1024 * 1024 * 1024;

/** A quota rate: bytes per second, or `unlimited` (null on the wire; Commander turns a parser's null into ''). */
function byteRate(value: string): number | 'unlimited' {
  if (value.toLowerCase() === 'unlimited') return 'unlimited';
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > BYTE_RATE_MAX) throw new InvalidArgumentError(`must be unlimited or an integer from 1 to ${BYTE_RATE_MAX}`);
  return n;
}

function pushSecret(value: string): string {
  if (value.length < 16 || value.length > 256) throw new InvalidArgumentError('must be 16 to 256 characters');
  return value;
}

function lambdaArn(value: string): string {
  if (!/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/.test(value)) {
    throw new InvalidArgumentError('must be a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias>])');
  }
  return value;
}

// ---------------------------------------------------------------------------
// Output

async function out(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}

function configText(config: Record<string, string>): string {
  const entries = Object.entries(config);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

function isoTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

// ---------------------------------------------------------------------------
// Waiting and retrying

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs a read, retrying errors the server or the network calls retriable, with exponential backoff. */
async function withRetries<T>(read: () => Promise<T>, signal?: AbortSignal, retries = 4): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      const retriable = (err instanceof SluiceApiError || err instanceof SluiceConnectionError) && err.retriable;
      if (!retriable || attempt >= retries || signal?.aborted) throw err;
      await sleep(Math.min(250 * 2 ** attempt, 4000), signal);
    }
  }
}

// ---------------------------------------------------------------------------
// topics

function clientFor(globals: GlobalOptions): SluiceHttpClient {
  const auth = globals.auth === 'none' && globals.token ? 'token' : globals.auth;
  if (auth === 'token') {
    if (!globals.token) throw new InvalidArgumentError('--auth token needs --token (or SLUICE_TOKEN)');
    return new SluiceHttpClient({ baseUrl: globals.url, headers: { authorization: `Bearer ${globals.token}` } });
  }
  if (auth === 'iam') return new SluiceHttpClient({ baseUrl: globals.url, signer: iamSigner({ region: globals.region }) });
  return new SluiceHttpClient(globals.url);
}

async function createTopic(name: string, opts: { partitions?: number; config?: [string, string][] }, globals: GlobalOptions): Promise<void> {
  const topic = await clientFor(globals).createTopic(name, {
    ...(opts.partitions !== undefined && { partitions: opts.partitions }),
    ...(opts.config && { config: Object.fromEntries(opts.config) }),
  });
  if (globals.json) return out(`${JSON.stringify(topic)}\n`);
  const configured = Object.keys(topic.config ?? {}).length > 0 ? ` (config ${configText(topic.config)})` : '';
  await out(`Created topic '${topic.name}' with ${topic.partitions} partition${topic.partitions === 1 ? '' : 's'}${configured}.\n`);
}

async function listTopics(globals: GlobalOptions): Promise<void> {
  const topics = await clientFor(globals).listTopics();
  if (globals.json) return out(`${JSON.stringify({ topics })}\n`);
  if (topics.length === 0) return out('No topics.\n');
  await out(
    table(
      ['NAME', 'PARTITIONS', 'CREATED', 'CONFIG'],
      topics.map((t: Topic) => [t.name, t.partitions, isoTime(t.createdAt), configText(t.config ?? {})]),
    ),
  );
}

async function describeTopic(name: string, globals: GlobalOptions): Promise<void> {
  const topic = await clientFor(globals).describeTopic(name);
  if (globals.json) return out(`${JSON.stringify(topic)}\n`);
  const partitions = [...(topic.partitionOffsets ?? [])].sort((a, b) => a.partition - b.partition);
  await out(
    `Topic:       ${topic.name}\n` +
      `Topic ID:    ${topic.topicId}\n` +
      `Partitions:  ${topic.partitions}\n` +
      `Created:     ${isoTime(topic.createdAt)}\n` +
      `Config:      ${configText(topic.config ?? {})}\n\n` +
      table(
        ['PARTITION', 'LOG-START-OFFSET', 'HIGH-WATERMARK'],
        partitions.map((p) => [p.partition, p.logStartOffset, p.highWatermark]),
      ),
  );
}

async function deleteTopic(name: string, globals: GlobalOptions): Promise<void> {
  await clientFor(globals).deleteTopic(name);
  await out(globals.json ? `${JSON.stringify({ topic: name, deleted: true })}\n` : `Deleted topic '${name}'.\n`);
}

// ---------------------------------------------------------------------------
// produce

interface ProduceOptions {
  key?: string;
  keySeparator?: string;
  partition?: number;
  header?: [string, string][];
  base64?: boolean;
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
interface InputItem {
  bytes: Buffer;
  n: number;
}

function b64(bytes: Buffer | string): string {
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
class ProduceOutcome {
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
function rates(records: number, valueBytes: number, ms: number): { recordsPerSecond: number; mibPerSecond: number; text: string } {
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
async function produce(topic: string, values: string[], opts: ProduceOptions, globals: GlobalOptions): Promise<void> {
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
      const record = toRecord(item, { sep, unit, fixedKey, headers, base64: opts.base64, partition: opts.partition });
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
function toRecord(
  item: InputItem,
  o: { sep?: Buffer; unit: string; fixedKey?: string; headers: RecordHeader[]; base64?: boolean; partition?: number },
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
  let encoded: string;
  if (o.base64) {
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
function atInput(err: unknown, first: number, unit: string): unknown {
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
function inDoubt(err: unknown): boolean {
  if (err instanceof SluiceConnectionError) return true;
  return err instanceof SluiceApiError && err.retriable && err.code !== 'COMMIT_CONTENDED' && err.status !== 429;
}

function committedNote(through: number, unit: string, failed: { error: unknown; first: number; last: number } | undefined, idempotent: boolean): string {
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

// ---------------------------------------------------------------------------
// consume

interface ConsumeOptions {
  partition?: number[];
  from: StartFrom;
  maxRecords?: number;
  follow?: boolean;
  pollIntervalMs: number;
  keySeparator?: string;
  base64?: boolean;
  group?: string;
  sessionTimeoutMs: number;
  reset?: ResetPolicy;
  assignor?: AssignorName;
  clientId?: string;
  commitIntervalMs: number;
}

/** Options of `consume` that only mean something with --group. */
const GROUP_ONLY_OPTIONS = ['sessionTimeoutMs', 'reset', 'assignor', 'clientId', 'commitIntervalMs'] as const;

interface Position {
  partition: number;
  next: number;
  /** Read up to here: the high watermark when consume started, or (following) the latest one seen. */
  end: number;
}

async function consume(topic: string, opts: ConsumeOptions, globals: GlobalOptions): Promise<void> {
  const client = clientFor(globals);
  const controller = new AbortController();
  const { signal } = controller;
  const stop = (): void => controller.abort();
  if (opts.follow) {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  try {
    await consumeLoop(client, topic, opts, globals, signal);
  } catch (err) {
    if (!signal.aborted) throw err; // interrupted while following: a normal end
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** How `consume` prints a record fetched as base64: its value as text (or base64), or with --json one object per line. */
function recordRenderer(topic: string, opts: ConsumeOptions, globals: GlobalOptions): (partition: number, r: FetchedRecord) => string {
  const sep = opts.keySeparator;
  const text = (value: string | null): string => (value === null ? '' : Buffer.from(value, 'base64').toString('utf8'));
  const valueText = (value: string | null): string | null => (value === null || opts.base64 ? value : text(value));
  return (partition, r) => {
    if (globals.json) {
      return `${JSON.stringify({
        topic,
        partition,
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key === null ? null : text(r.key),
        value: valueText(r.value),
        headers: (r.headers ?? []).map((h) => ({ key: h.key, value: h.value === null ? null : text(h.value) })),
      })}\n`;
    }
    const value = valueText(r.value) ?? '';
    return sep === undefined ? `${value}\n` : `${text(r.key)}${sep}${value}\n`;
  };
}

/**
 * `consume --group`: a member of the group (lib/client/group-consumer.ts). Records go to
 * stdout first; offsets are committed only past records already written, so the group
 * sees every record at least once. Notes on stderr; leaves the group on every exit.
 */
async function consumeGroup(topic: string, group: string, opts: ConsumeOptions, globals: GlobalOptions): Promise<void> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const render = recordRenderer(topic, opts, globals);
  try {
    await new GroupConsumer(clientFor(globals), {
      group,
      topic,
      sessionTimeoutMs: opts.sessionTimeoutMs,
      ...(opts.reset !== undefined && { resetPolicy: opts.reset }),
      ...(opts.assignor !== undefined && { assignor: opts.assignor }),
      ...(opts.clientId !== undefined && { clientId: opts.clientId }),
      follow: opts.follow === true,
      ...(opts.maxRecords !== undefined && { maxRecords: opts.maxRecords }),
      commitIntervalMs: opts.commitIntervalMs,
      encoding: 'base64',
      deliver: (partition, records) => out(records.map((r) => render(partition, r)).join('')),
      flush: () => flushed(process.stdout),
      note: (message) => void process.stderr.write(globals.json ? `${JSON.stringify({ note: message })}\n` : `${message}\n`),
      signal: controller.signal,
    }).run();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

// ---------------------------------------------------------------------------
// groups

function assignmentText(assignment: TopicAssignment[]): string {
  const parts = assignment.filter((t) => t.partitions.length > 0).map((t) => `${t.topic}/${t.partitions.join(',')}`);
  return parts.length === 0 ? '-' : parts.join(' ');
}

function positionsTable(partitions: PartitionPosition[], withLogStart = false): string {
  const sorted = [...partitions].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  const header = ['TOPIC', 'PARTITION', 'COMMITTED', 'POSITION', ...(withLogStart ? ['LOG-START-OFFSET'] : []), 'HIGH-WATERMARK', 'LAG'];
  return table(
    header,
    sorted.map((p) => [
      p.topic,
      p.partition,
      p.committedOffset ?? '-',
      p.position,
      ...(withLogStart ? [p.logStartOffset] : []),
      p.highWatermark,
      p.lag,
    ]),
  );
}

async function listGroups(globals: GlobalOptions): Promise<void> {
  const groups = await clientFor(globals).listGroups();
  if (globals.json) return out(`${JSON.stringify({ groups })}\n`);
  if (groups.length === 0) return out('No groups.\n');
  await out(
    table(
      ['GROUP', 'STATE', 'GENERATION', 'MEMBERS', 'ASSIGNOR'],
      groups.map((g: GroupSummary) => [g.group, g.state, g.generation, g.members, g.assignor]),
    ),
  );
}

async function describeGroup(name: string, globals: GlobalOptions): Promise<void> {
  const group = await clientFor(globals).describeGroup(name);
  if (globals.json) return out(`${JSON.stringify(group)}\n`);
  const members = [...(group.memberDetails ?? [])].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
  let text =
    `Group:         ${group.group}\n` +
    `State:         ${group.state}\n` +
    `Generation:    ${group.generation}\n` +
    `Assignor:      ${group.assignor}\n` +
    `Reset policy:  ${group.resetPolicy}\n` +
    `Members:       ${group.members}\n\n`;
  text +=
    members.length === 0
      ? 'No live members.\n'
      : table(
          ['MEMBER', 'TOPICS', 'ASSIGNMENT', 'LEASE-EXPIRES'],
          members.map((m) => [m.memberId, m.topics.join(',') || '-', assignmentText(m.assignment), isoTime(m.expiresAt)]),
        );
  if ((group.partitions ?? []).length > 0) text += `\n${positionsTable(group.partitions)}`;
  text += `\nTotal lag: ${group.totalLag}\n`;
  await out(text);
}

async function groupOffsets(name: string, opts: { topic?: string }, globals: GlobalOptions): Promise<void> {
  const offsets = await clientFor(globals).groupOffsets(name, opts.topic === undefined ? {} : { topic: opts.topic });
  if (globals.json) return out(`${JSON.stringify(offsets)}\n`);
  const body = offsets.partitions.length === 0 ? 'No partitions.\n' : positionsTable(offsets.partitions, true);
  await out(`${body}\nTotal lag: ${offsets.totalLag} (reset policy ${offsets.resetPolicy})\n`);
}

/** The readable range of each partition: from describe, or the offsets endpoint for any it leaves out. */
async function partitionRanges(
  client: SluiceHttpClient,
  topic: string,
  wanted: number[] | undefined,
  signal: AbortSignal,
): Promise<PartitionOffsets[]> {
  const described = await withRetries(() => client.describeTopic(topic, { signal }), signal);
  const partitions = wanted ?? Array.from({ length: described.partitions }, (_, i) => i);
  const known = new Map((described.partitionOffsets ?? []).map((p) => [p.partition, p]));
  const ranges: PartitionOffsets[] = [];
  for (const partition of partitions) {
    ranges.push(known.get(partition) ?? (await withRetries(() => client.listOffsets(topic, partition, { signal }), signal)));
  }
  return ranges;
}

async function consumeLoop(
  client: SluiceHttpClient,
  topic: string,
  opts: ConsumeOptions,
  globals: GlobalOptions,
  signal: AbortSignal,
): Promise<void> {
  const wanted = opts.partition && [...new Set(opts.partition)].sort((a, b) => a - b);
  const positions: Position[] = (await partitionRanges(client, topic, wanted, signal)).map((r) => {
    let next: number;
    if (opts.from === 'earliest') next = r.logStartOffset;
    else if (opts.from === 'latest') next = r.highWatermark;
    else if (opts.from < r.logStartOffset || opts.from > r.highWatermark) {
      throw new SluiceApiError(
        416,
        'OFFSET_OUT_OF_RANGE',
        `Partition ${r.partition}: offset ${opts.from} is out of range; valid offsets are ${r.logStartOffset}..${r.highWatermark} (the high watermark)`,
        false,
        { partition: r.partition, offset: opts.from, logStartOffset: r.logStartOffset, highWatermark: r.highWatermark },
      );
    } else next = opts.from;
    return { partition: r.partition, next, end: r.highWatermark };
  });

  const render = recordRenderer(topic, opts, globals);

  let remaining = opts.maxRecords ?? Infinity;
  for (;;) {
    for (const pos of positions) {
      while (pos.next < pos.end && remaining > 0 && !signal.aborted) {
        const from = pos.next;
        const maxRecords = Math.min(FETCH_MAX_RECORDS, remaining);
        const page = await withRetries(
          () => client.fetchRecords(topic, pos.partition, { offset: from, maxRecords, encoding: 'base64' }, { signal }),
          signal,
        );
        let chunk = '';
        for (const r of page.records) {
          if (remaining <= 0 || (!opts.follow && r.offset >= pos.end)) break;
          chunk += render(pos.partition, r);
          remaining--;
        }
        await out(chunk);
        pos.next = Math.max(pos.next, page.nextOffset);
        if (opts.follow) pos.end = Math.max(pos.end, page.highWatermark);
        if (pos.next === from) break; // no progress: try again on the next poll
      }
    }
    if (!opts.follow || remaining <= 0 || signal.aborted) return;
    await sleep(opts.pollIntervalMs, signal);
    if (signal.aborted) return;
    // One describe call tells which partitions have new records, instead of a fetch per partition.
    const latest = await partitionRanges(client, topic, positions.map((p) => p.partition), signal);
    for (const [i, pos] of positions.entries()) pos.end = Math.max(pos.end, latest[i]?.highWatermark ?? pos.end);
  }
}

// ---------------------------------------------------------------------------
// push subscriptions

interface SubscribeOptions {
  https?: string;
  lambda?: string;
  batchSize?: number;
  batchingWindowMs?: number;
  retryAttempts?: number;
  maxRecordAgeSeconds?: number;
  bisect: boolean;
  deadLetterTopic?: string;
  reset?: ResetPolicy;
  secret?: string;
}

function targetText(subscription: Subscription): string {
  const target = subscription.target;
  return target.type === 'https' ? `POST ${target.url}` : `Lambda function ${target.functionArn}`;
}

function subscriptionText(s: Subscription): string {
  return (
    `Group:              ${s.group}\n` +
    `Topic:              ${s.topic}\n` +
    `Target:             ${targetText(s)}\n` +
    `Batch size:         ${s.batchSize}\n` +
    `Batching window:    ${s.batchingWindowMs} ms\n` +
    `Retry attempts:     ${s.retryAttempts}\n` +
    `Max record age:     ${s.maxRecordAgeSeconds === -1 ? 'no limit' : `${s.maxRecordAgeSeconds} s`}\n` +
    `Bisect on error:    ${s.bisectOnError ? 'yes' : 'no'}\n` +
    `Dead-letter topic:  ${s.deadLetterTopic}\n` +
    `Created:            ${isoTime(s.createdAt)}\n`
  );
}

async function subscribe(group: string, topic: string, opts: SubscribeOptions, globals: GlobalOptions): Promise<void> {
  const body: SubscriptionRequest = {
    topic,
    target: opts.https !== undefined ? { type: 'https', url: opts.https } : { type: 'lambda', functionArn: opts.lambda ?? '' },
    ...(opts.batchSize !== undefined && { batchSize: opts.batchSize }),
    ...(opts.batchingWindowMs !== undefined && { batchingWindowMs: opts.batchingWindowMs }),
    ...(opts.retryAttempts !== undefined && { retryAttempts: opts.retryAttempts }),
    ...(opts.maxRecordAgeSeconds !== undefined && { maxRecordAgeSeconds: opts.maxRecordAgeSeconds }),
    ...(!opts.bisect && { bisectOnError: false }),
    ...(opts.deadLetterTopic !== undefined && { deadLetterTopic: opts.deadLetterTopic }),
    ...(opts.reset !== undefined && { resetPolicy: opts.reset }),
    ...(opts.secret !== undefined && { secret: opts.secret }),
  };
  const created = await clientFor(globals).putSubscription(group, body);
  if (globals.json) return out(`${JSON.stringify(created)}\n`);
  const { secret, ...subscription } = created;
  await out(
    `Group '${group}' now pushes topic '${created.topic}' to ${targetText(created)}.\n\n` +
      subscriptionText(subscription) +
      `\nSecret:             ${secret}\n` +
      `The secret is shown only once: keep it to verify the sluice-signature header of each delivery.\n`,
  );
}

/** The delivery health lines under the controls: failing or healthy, and the latest error of any partition. */
function deliveryText(described: SubscriptionDescription): string {
  const { delivery, partitions } = described;
  if (!delivery) return '';
  let text = `Delivery:           ${delivery.failingPartitions > 0 ? `failing on ${delivery.failingPartitions} of ${partitions.length} partitions` : 'healthy'}\n`;
  if (delivery.lastError !== null && delivery.lastErrorAt !== null) {
    text += `Last error:         ${isoTime(delivery.lastErrorAt)} on partition ${delivery.lastErrorPartition}: ${delivery.lastError}\n`;
  }
  return text;
}

/** Per partition: consecutive failures, when the last error was, when the next retry is, and the error; only if some partition has one. */
function failuresTable(partitions: SubscriptionDescription['partitions']): string {
  const failed = partitions.filter((p) => p.lastError != null || (p.consecutiveFailures ?? 0) > 0).sort((a, b) => a.partition - b.partition);
  if (failed.length === 0) return '';
  return table(
    ['PARTITION', 'CONSECUTIVE-FAILURES', 'LAST-ERROR-AT', 'NEXT-ATTEMPT-AT', 'LAST-ERROR'],
    failed.map((p) => [
      p.partition,
      p.consecutiveFailures ?? 0,
      p.lastErrorAt == null ? '-' : isoTime(p.lastErrorAt),
      p.nextAttemptAt == null ? '-' : isoTime(p.nextAttemptAt),
      p.lastError ?? '-',
    ]),
  );
}

async function describeSubscription(group: string, globals: GlobalOptions): Promise<void> {
  const described = await clientFor(globals).getSubscription(group);
  if (globals.json) return out(`${JSON.stringify(described)}\n`);
  const { partitions, totalLag, ...subscription } = described;
  let text = subscriptionText(subscription) + deliveryText(described);
  if ((partitions ?? []).length > 0) text += `\n${positionsTable(partitions)}`;
  const failures = failuresTable(partitions ?? []);
  if (failures) text += `\n${failures}`;
  text += `\nTotal lag: ${totalLag}\n`;
  await out(text);
}

async function unsubscribe(group: string, globals: GlobalOptions): Promise<void> {
  await clientFor(globals).deleteSubscription(group);
  await out(globals.json ? `${JSON.stringify({ group, deleted: true })}\n` : `Deleted the push subscription of group '${group}'; its committed offsets remain.\n`);
}

// ---------------------------------------------------------------------------
// acls

const ACL_RESOURCE_TYPES = ['TOPIC', 'GROUP', 'CLUSTER'] as const;
const ACL_OPERATIONS = ['READ', 'WRITE', 'CREATE', 'DELETE', 'DESCRIBE', 'ALTER', 'ALL'] as const;
/** The name ACLs on the cluster resource use. */
const CLUSTER_RESOURCE_NAME = 'cluster';

interface AclCreateOptions {
  principal: string;
  resourceType: AclResourceType;
  name?: string;
  prefixed?: boolean;
  operation: AclOperation;
  allow?: boolean;
  deny?: boolean;
}

function aclTable(rules: AclRule[]): string {
  return table(
    ['RULE-ID', 'PRINCIPAL', 'PERMISSION', 'OPERATION', 'RESOURCE-TYPE', 'PATTERN', 'NAME'],
    rules.map((r) => [r.ruleId, r.principal, r.permission, r.operation, r.resourceType, r.patternType, r.resourceName]),
  );
}

async function createAcl(opts: AclCreateOptions, globals: GlobalOptions): Promise<void> {
  const rule = await clientFor(globals).createAcl({
    principal: opts.principal,
    resourceType: opts.resourceType,
    patternType: opts.prefixed ? 'PREFIXED' : 'LITERAL',
    resourceName: opts.name ?? CLUSTER_RESOURCE_NAME,
    operation: opts.operation,
    permission: opts.deny ? 'DENY' : 'ALLOW',
  });
  if (globals.json) return out(`${JSON.stringify(rule)}\n`);
  await out(`Created ACL rule ${rule.ruleId}.\n${aclTable([rule])}`);
}

async function listAcls(globals: GlobalOptions): Promise<void> {
  const rules = await clientFor(globals).listAcls();
  if (globals.json) return out(`${JSON.stringify({ rules })}\n`);
  await out(rules.length === 0 ? 'No ACL rules.\n' : aclTable(rules));
}

async function deleteAcl(ruleId: string, globals: GlobalOptions): Promise<void> {
  await clientFor(globals).deleteAcl(ruleId);
  await out(globals.json ? `${JSON.stringify({ ruleId, deleted: true })}\n` : `Deleted ACL rule ${ruleId}.\n`);
}

// ---------------------------------------------------------------------------
// quotas

interface QuotaSetOptions {
  produceBytesPerSecond?: number | 'unlimited';
  fetchBytesPerSecond?: number | 'unlimited';
}

function rateText(rate: number | null): string {
  return rate === null ? 'unlimited' : `${rate} bytes/s`;
}

/**
 * `PUT /v1/quotas` replaces both rates, so a rate not given on the command line is read
 * first and sent again unchanged (unlimited when the principal had no quota of its own).
 */
async function setQuota(principal: string, opts: QuotaSetOptions, globals: GlobalOptions): Promise<void> {
  const client = clientFor(globals);
  let current: Quota | undefined;
  if (opts.produceBytesPerSecond === undefined || opts.fetchBytesPerSecond === undefined) {
    current = (await client.listQuotas()).find((q) => q.principal === principal);
  }
  const rate = (given: number | 'unlimited' | undefined, kept: number | null | undefined): number | null =>
    given === undefined ? (kept ?? null) : given === 'unlimited' ? null : given;
  const quota = await client.setQuota({
    principal,
    produceBytesPerSecond: rate(opts.produceBytesPerSecond, current?.produceBytesPerSecond),
    fetchBytesPerSecond: rate(opts.fetchBytesPerSecond, current?.fetchBytesPerSecond),
  });
  if (globals.json) return out(`${JSON.stringify(quota)}\n`);
  await out(`Set the quota of '${quota.principal}': produce ${rateText(quota.produceBytesPerSecond)}, fetch ${rateText(quota.fetchBytesPerSecond)}.\n`);
}

async function listQuotas(globals: GlobalOptions): Promise<void> {
  const quotas = await clientFor(globals).listQuotas();
  if (globals.json) return out(`${JSON.stringify({ quotas })}\n`);
  if (quotas.length === 0) return out('No quotas.\n');
  const sorted = [...quotas].sort((a, b) => (a.principal < b.principal ? -1 : a.principal > b.principal ? 1 : 0));
  await out(
    table(
      ['PRINCIPAL', 'PRODUCE-BYTES/S', 'FETCH-BYTES/S', 'UPDATED'],
      sorted.map((q) => [q.principal, q.produceBytesPerSecond ?? 'unlimited', q.fetchBytesPerSecond ?? 'unlimited', isoTime(q.updatedAt)]),
    ),
  );
}

// ---------------------------------------------------------------------------
// The program

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function buildProgram(): Command {
  const program = new Command('sluice');
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  program
    .description('Manage topics, produce and consume records, push subscriptions, ACLs and quotas on a Sluice event log over its HTTP API.')
    .version(version())
    .addOption(
      new Option('--url <baseUrl>', 'the Sluice API base URL').env('SLUICE_URL').default(DEFAULT_URL).argParser(baseUrl),
    )
    .option('--json', 'machine-readable output: one JSON document (consume: one JSON object per line); errors as JSON on stderr')
    .addOption(
      new Option('--auth <mode>', 'how to authenticate: iam (SigV4 with the standard AWS credential chain), token (a bearer token) or none')
        .choices(['none', 'iam', 'token'])
        .env('SLUICE_AUTH')
        .default('none'),
    )
    .addOption(new Option('--token <token>', 'the bearer token for --auth token (implies it)').env('SLUICE_TOKEN'))
    .addOption(new Option('--region <region>', 'the API region for --auth iam').env('AWS_REGION'))
    .exitOverride()
    .configureOutput({
      outputError: (message, write) => {
        if (!globals().json) return write(message);
        const error = { code: 'USAGE_ERROR', message: message.replace(/^error: /, '').trim(), retriable: false };
        write(`${JSON.stringify({ error })}\n`);
      },
    })
    .addHelpText(
      'after',
      `
Errors print "error: <CODE>: <message>" to stderr and exit 1; usage errors exit 2.

Examples:
  sluice topics create orders --partitions 4 --config message.timestamp.type=LogAppendTime
  printf 'user-1:hello\\nuser-2:world\\n' | sluice produce orders --key-separator :
  sluice consume orders --from earliest --key-separator : --follow
  sluice consume orders --group billing --reset earliest --follow
  sluice groups describe billing
  sluice subscribe billing orders --https https://example.com/hook --batch-size 100
  sluice acls create --principal alice --resource-type topic --name orders --operation read --allow
  sluice quotas set alice --produce-bytes-per-second 1048576`,
    );

  const topics = program.command('topics').description('create, list, describe and delete topics');
  topics
    .command('create <name>')
    .description('create a topic')
    .option('--partitions <n>', 'number of partitions, 1-256 (server default 1)', integer(1, 256))
    .option('--config <key=value>', 'a topic config entry; repeatable', collect(keyValue))
    .action((name: string, opts: { partitions?: number; config?: [string, string][] }) => createTopic(name, opts, globals()));
  topics
    .command('list')
    .description('list topics, sorted by name')
    .action(() => listTopics(globals()));
  topics
    .command('describe <name>')
    .description("show a topic and each partition's log start offset and high watermark")
    .action((name: string) => describeTopic(name, globals()));
  topics
    .command('delete <name>')
    .description('delete a topic and all its records')
    .action((name: string) => deleteTopic(name, globals()));

  program
    .command('produce <topic> [values...]')
    .description('produce the values given, or else one record per line of stdin')
    .addOption(new Option('--key <key>', 'the key of every record').conflicts('keySeparator'))
    .option('--key-separator <sep>', 'split each value at the first <sep> into key and value ("\\t" means a tab)', separator)
    .option('--partition <n>', 'send every record to this partition (default: by key, or one partition per call)', integer(0))
    .option('--header <key=value>', 'a header on every record; repeatable', collect(keyValue))
    .option('--base64', 'values are base64 and sent as given (keys and headers stay text)')
    .option('--batch-records <n>', 'at most this many records per call, 1-10000', integer(1, 10_000), PRODUCER_DEFAULTS.batchRecords)
    .option('--batch-bytes <n>', 'start a new call before the request body passes this size', integer(1, REQUEST_BODY_MAX_BYTES), PRODUCER_DEFAULTS.batchBytes)
    .option('--linger-ms <ms>', 'send a partial batch once its first record has waited this long', integer(0), 100)
    .option('--no-idempotence', 'produce without a producer id and sequence numbers (needs no WRITE on the cluster)')
    .option('--retries <n>', 'retries of a call that failed with a retriable error', integer(0), PRODUCER_DEFAULTS.retries)
    .addOption(new Option('--compression <codec>', "compress each call's request body on the wire").choices(['none', 'gzip']).default('none'))
    .option('--progress', 'report progress on stderr even when it is not a terminal')
    .option('--progress-interval-ms <ms>', 'how often to report progress', integer(1), 5000)
    .addHelpText(
      'after',
      `
Input: each value argument is one record; with no values, each line of stdin is one
record (a trailing "\\r" is dropped, an empty line is an empty value). Lines are
streamed through the client's SluiceProducer: records are batched into calls of up
to --batch-records records or --batch-bytes bytes, one call in flight at a time, in
order; a partial batch goes out once its first record has waited --linger-ms.

Idempotent by default (as Kafka's producer): the CLI takes a producer id and epoch and
numbers records per partition, so a call retried after a lost answer is committed once.
Retriable errors (a lost connection, COMMIT_CONTENDED, a 429) are retried up to
--retries times with exponential backoff and jitter, honouring Retry-After.

--key-separator: a line without the separator is an error naming its line number.
Every line before it is sent and committed, and nothing from it on.

If a call fails for good, the calls before it stay committed and nothing after it is
sent; stderr says which lines were committed (and which are in doubt, if the answer
was lost), and with --json stdout still lists them.

Output: a summary of records, calls, each partition's offset range and the throughput;
with --json, {topic, count, calls, retries, elapsedMs, recordsPerSecond, valueBytes,
producer, partitions, records: [{partition, offset, timestamp}]}. Progress (records,
calls, records/s, MiB/s) goes to stderr every --progress-interval-ms when stderr is a
terminal or with --progress.`,
    )
    .action((topic: string, values: string[], opts: ProduceOptions) => produce(topic, values, opts, globals()));

  program
    .command('consume <topic>')
    .description('print the records of a topic, in offset order per partition; with --group, as a member of a consumer group')
    .option('--partition <n>', 'read this partition; repeatable (default: every partition)', collect(integer(0)))
    .option('--from <where>', 'earliest, latest or an offset', startFrom, 'earliest' as StartFrom)
    .option('--max-records <n>', 'stop after this many records in all', integer(1))
    .option('--follow', 'after catching up, keep polling for new records until interrupted (Ctrl-C)')
    .option('--poll-interval-ms <ms>', 'with --follow, how long to wait between polls once caught up', integer(1), 1000)
    .option('--key-separator <sep>', 'print each record as key, <sep>, value ("\\t" means a tab)', separator)
    .option('--base64', 'print values as base64 (keys and headers stay text)')
    .addOption(
      new Option('--group <group>', 'consume as a member of this consumer group: its partitions, from its committed offsets').conflicts([
        'partition',
        'from',
        'pollIntervalMs',
      ]),
    )
    .option('--session-timeout-ms <ms>', 'with --group: the member is dropped after this long without a heartbeat, 1000-300000', integer(1000, 300_000), 10_000)
    .addOption(new Option('--reset <policy>', "with --group: where a new group starts on partitions it never committed (the group's first member decides; server default latest)").choices(['earliest', 'latest']))
    .option('--commit-interval-ms <ms>', 'with --group: commit the offsets past the printed records this often (and on exit)', integer(0), 1000)
    .addOption(new Option('--assignor <name>', "with --group: the group's partition assignor, set by its first member (server default sticky)").choices(['sticky', 'range', 'roundrobin']))
    .option('--client-id <id>', 'with --group: prefix of the member id (server default "member")')
    .addHelpText(
      'after',
      `
Without --follow, each partition is read from the start offset up to its high
watermark as it was when consume started, then consume exits. Partitions are read
one after another. Values are printed as UTF-8 text, one per line (a null value
prints as an empty line, a null key as empty); use --base64 or --json for binary
values. With --json, each record is one line:
{topic, partition, offset, timestamp, key, value, headers}. Reads that fail with a
retriable error are retried. Interrupting --follow exits 0.

With --group, consume is a member of a consumer group: it joins, heartbeats in the
background, reads the partitions the group assigns it from the group's committed
offsets (or its reset policy), and commits the offset past the records it printed
every --commit-interval-ms and on exit: print first, then commit, so each record is
printed at least once by the group (a crash repeats what was printed since the last
commit). On a rebalance it drops the partitions it lost and picks up the ones it
gained where the group left them. Without --follow it exits once its partitions reach
their high watermarks as of the start and that commit went through; with --follow it
long-polls until interrupted. It leaves the group on exit (Ctrl-C, SIGTERM,
--max-records, caught up). Joins, rebalances and commits refused are noted on stderr.`,
    )
    .action((topic: string, opts: ConsumeOptions, command: Command) => {
      if (opts.group === undefined) {
        const given = GROUP_ONLY_OPTIONS.find((name) => command.getOptionValueSource(name) === 'cli');
        if (given) command.error(`error: option '--${given.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}' needs --group`, { exitCode: 2, code: 'sluice.groupOption' });
        return consume(topic, opts, globals());
      }
      return consumeGroup(topic, opts.group, opts, globals());
    });

  const groups = program.command('groups').description('list and describe consumer groups, their members, offsets and lag');
  groups
    .command('list')
    .description('list consumer groups with their state, generation and live members')
    .action(() => listGroups(globals()));
  groups
    .command('describe <group>')
    .description("show a group's generation, state, members and their partitions, and each partition's committed offset, position and lag")
    .action((name: string) => describeGroup(name, globals()));
  groups
    .command('offsets <group>')
    .description("show a group's committed offset, position, high watermark and lag per partition")
    .option('--topic <topic>', 'only this topic (default: every topic the group subscribes to or committed)')
    .action((name: string, opts: { topic?: string }) => groupOffsets(name, opts, globals()));

  program
    .command('subscribe <group> <topic>')
    .description("push a topic's records to an HTTPS endpoint or a Lambda function, as consumer group <group>")
    .addOption(new Option('--https <url>', 'POST each batch to this URL (https://, or http:// to localhost)').argParser(baseUrl).conflicts('lambda'))
    .addOption(new Option('--lambda <functionArn>', 'invoke this Lambda function with each batch (the stack must allow it)').argParser(lambdaArn))
    .option('--batch-size <n>', 'at most this many records per delivery, 1-10000 (server default 100)', integer(1, 10_000))
    .option('--batching-window-ms <ms>', 'wait up to this long to fill a batch, 0-20000 (server default 0)', integer(0, 20_000))
    .option('--retry-attempts <n>', 'retries of a failing batch, 0-10000 (server default 10)', integer(0, 10_000))
    .option('--max-record-age-seconds <s>', 'dead-letter records older than this, 60-604800, or -1 for no limit (server default 86400)', maxRecordAge)
    .option('--no-bisect', 'do not split a failing batch to isolate the bad record')
    .option('--dead-letter-topic <topic>', 'where undeliverable records go (default <group>.dlq, created if missing)')
    .addOption(new Option('--reset <policy>', 'where the group starts on partitions it never committed (server default latest)').choices(['earliest', 'latest']))
    .option('--secret <secret>', 'the signing secret, 16-256 characters (default: a random one)', pushSecret)
    .addHelpText(
      'after',
      `
Creates the group's push subscription, or replaces it: options left out take the
server's defaults again, and the secret is new unless --secret is given. The group's
committed offsets are kept. Each delivery is signed in its sluice-signature header
with the secret, which this command prints and the server never shows again.`,
    )
    .action((group: string, topic: string, opts: SubscribeOptions, command: Command) => {
      if (opts.https === undefined && opts.lambda === undefined) {
        command.error('error: a target is needed: --https <url> or --lambda <functionArn>', { exitCode: 2, code: 'sluice.missingTarget' });
      }
      return subscribe(group, topic, opts, globals());
    });
  program
    .command('subscription')
    .description("show a group's push subscription")
    .command('describe <group>')
    .description(
      "show a group's push subscription: its target and controls, delivery health (failing partitions, the last error and when), each partition's committed offset, position, high watermark and lag, and each failing partition's consecutive failures, last error and next attempt",
    )
    .action((group: string) => describeSubscription(group, globals()));
  program
    .command('unsubscribe <group>')
    .description("delete a group's push subscription (its committed offsets stay)")
    .action((group: string) => unsubscribe(group, globals()));

  const acls = program.command('acls').description('create, list and delete ACL rules');
  acls
    .command('create')
    .description('add an ACL rule allowing or denying a principal an operation on resources')
    .requiredOption('--principal <principal>', 'who the rule is for: an IAM ARN, a JWT sub, a local principal, or * for everyone')
    .requiredOption('--resource-type <type>', 'topic, group or cluster', upperChoice(ACL_RESOURCE_TYPES))
    .option('--name <name>', `the resource name, or * for all (with --prefixed, a prefix); for cluster, default '${CLUSTER_RESOURCE_NAME}'`)
    .option('--prefixed', 'match every resource whose name starts with --name')
    .requiredOption('--operation <operation>', 'read, write, create, delete, describe, alter or all', upperChoice(ACL_OPERATIONS))
    .addOption(new Option('--allow', 'allow the operation').conflicts('deny'))
    .addOption(new Option('--deny', 'deny the operation (a deny wins over any allow)'))
    .addHelpText(
      'after',
      `
Values are case-insensitive. Examples:
  sluice acls create --principal alice --resource-type topic --name orders. --prefixed --operation write --allow
  sluice acls create --principal '*' --resource-type group --name billing --operation read --allow
  sluice acls create --principal bob --resource-type cluster --operation alter --deny`,
    )
    .action((opts: AclCreateOptions, command: Command) => {
      if (!opts.allow && !opts.deny) command.error('error: --allow or --deny is needed', { exitCode: 2, code: 'sluice.missingPermission' });
      if (opts.name === undefined && opts.resourceType !== 'CLUSTER') {
        command.error(`error: --name is needed for resource type ${opts.resourceType.toLowerCase()}`, { exitCode: 2, code: 'sluice.missingName' });
      }
      return createAcl(opts, globals());
    });
  acls
    .command('list')
    .description('list the ACL rules, oldest first')
    .action(() => listAcls(globals()));
  acls
    .command('delete <ruleId>')
    .description('delete an ACL rule')
    .action((ruleId: string) => deleteAcl(ruleId, globals()));

  const quotas = program.command('quotas').description("set and list principals' produce and fetch byte rates");
  quotas
    .command('set <principal>')
    .description("set a principal's produce and fetch byte-rate quota")
    .option('--produce-bytes-per-second <n>', 'produce byte rate, or unlimited', byteRate)
    .option('--fetch-bytes-per-second <n>', 'fetch byte rate, or unlimited', byteRate)
    .addHelpText(
      'after',
      `
A rate not given keeps its current value (unlimited if the principal had no quota of
its own; a principal with a quota of its own no longer gets the server's defaults).`,
    )
    .action((principal: string, opts: QuotaSetOptions, command: Command) => {
      if (opts.produceBytesPerSecond === undefined && opts.fetchBytesPerSecond === undefined) {
        command.error('error: give --produce-bytes-per-second, --fetch-bytes-per-second or both', { exitCode: 2, code: 'sluice.missingRate' });
      }
      return setQuota(principal, opts, globals());
    });
  quotas
    .command('list')
    .description('list the principals with a quota of their own')
    .action(() => listQuotas(globals()));

  return program;
}

/** Prints an error as the CLI's contract says, and returns the exit code. */
function report(err: unknown, json: boolean): number {
  if (err instanceof CommanderError) {
    // Commander has printed it already (help and --version are not errors).
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
  }
  let error: Record<string, unknown>;
  if (err instanceof SluiceApiError || err instanceof SluiceConnectionError) error = err.toJSON();
  else if (err instanceof InputError) error = { code: err.code, message: err.message, retriable: false, ...err.details };
  else error = { code: 'UNEXPECTED', message: err instanceof Error ? err.message : String(err), retriable: false };
  process.stderr.write(json ? `${JSON.stringify({ error })}\n` : `error: ${String(error.code)}: ${String(error.message)}\n`);
  const note = err instanceof Error ? notes.get(err) : undefined;
  if (note && !json) process.stderr.write(`${note}\n`);
  if (!json && error.code === 'UNEXPECTED' && err instanceof Error && process.env.SLUICE_DEBUG) process.stderr.write(`${err.stack}\n`);
  return 1;
}

async function main(): Promise<number> {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0); // the reader went away (`sluice consume t | head`)
    throw err;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
    return 0;
  } catch (err) {
    return report(err, program.opts<GlobalOptions>().json === true);
  }
}

const code = await main();
await flushed(process.stdout);
await flushed(process.stderr);
process.exit(code);
