import { execFile, spawnSync } from 'node:child_process';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Kafka, logLevel, Partitioners, type Producer, type RecordMetadata } from 'kafkajs';
import type { SluiceContext } from '../../lib/core/context';
import type { KafkaGateway } from '../../lib/kafka/gateway/server';
import { partitionForKey } from '../../lib/protocol/partitioner';
import type { FaultCounters, FaultKind } from './faults';
import type { FinalRead, HistoryEvent, Outcome, SendAttempt } from './history';
import type { SafetyOptions } from './options';

/**
 * The safety run's Kafka clients (issue 13): two kafkajs producers writing keyed records to
 * the safety topic through the local platform's Kafka gateway while the HTTP producers run,
 * one idempotent (`idempotent: true, maxInFlightRequests: 1`) and one plain, each send
 * recorded in the same history as the HTTP sends (`via: 'kafka'`), with the offsets kafkajs
 * returns (RecordMetadata's baseOffset per partition). The gateway works on the same
 * context, so the DynamoDB faults installed on it reach its produce calls too.
 *
 * The clients reach the gateway through a proxy (`KafkaResponseDropper`, advertised as the
 * broker) that, with the lost-response fault on, now and then lets a Produce request through
 * and then closes the connection instead of passing its response on: the records are
 * committed, the client only sees its connection close (a Kafka-side lost response).
 *
 * After the run, `kcat -C` (librdkafka) reads every partition through the gateway's Fetch:
 * a final read of its own, which the checker compares record for record with the HTTP ones.
 *
 * What a kafkajs send tells: an answer with offsets is `ok`. The plain producer runs with
 * `retries: 0`, so one `send()` is one Produce request: a refusal that says nothing was
 * written (non-retriable codes, on a send to one partition) is `fail`, anything else is
 * `unknown`, and the harness retries the same records as a new attempt (or sometimes gives
 * up), as the HTTP producers do. The idempotent producer must allow kafkajs's own retries,
 * which the history cannot see, so every error it reports is `unknown`; the harness then
 * retries the same records through the same kafkajs producer (same producer id and
 * sequence: kafkajs takes a failed batch's sequence back), and abandons the send only
 * together with that producer (a new one has a new producer id), as the HTTP producers
 * start a new epoch.
 */

/** What the Kafka clients need of the run (workload.ts's Run has it). */
export interface KafkaHost {
  readonly options: SafetyOptions;
  readonly rng: () => number;
  readonly notes: string[];
  /** Producers keep writing while this is true. */
  readonly producing: boolean;
  readonly counters: FaultCounters;
  enabled(kind: FaultKind): boolean;
  now(): number;
  record<E extends HistoryEvent>(event: E): E;
}

const KEY_SPACE = 256;

/** Kafka error types that refuse a whole request before anything is written. */
const DEFINITE_REFUSALS = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_REQUIRED_ACKS',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'THROTTLING_QUOTA_EXCEEDED',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
]);

interface OutRecord {
  key: string;
  value: string;
  partition: number;
}

/** The error that made kafkajs give up (KafkaJSNumberOfRetriesExceeded wraps it). */
function rootError(error: unknown): { name: string; type?: string; message: string; retriable?: boolean } {
  let e = error as { name?: string; type?: string; message?: string; retriable?: boolean; cause?: unknown; originalError?: unknown } | undefined;
  for (let i = 0; i < 5 && e && (e.name === 'KafkaJSNumberOfRetriesExceeded' || e.name === 'KafkaJSNonRetriableError') && (e.cause || e.originalError); i++) {
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return { name: e?.name ?? 'Error', ...(e?.type ? { type: e.type } : {}), message: e?.message ?? String(error), ...(e?.retriable !== undefined ? { retriable: e.retriable } : {}) };
}

/** A kafkajs error as the history's code: the protocol error type, or the error's name. */
export function kafkaErrorCode(error: unknown): string {
  const root = rootError(error);
  return root.type ?? root.name;
}

/** Offsets per record from kafkajs's RecordMetadata (one entry per partition, its baseOffset), or why not. */
export function offsetsFromMetadata(records: readonly { partition: number }[], metadata: readonly RecordMetadata[]): number[] | string {
  const base = new Map<number, number>();
  for (const m of metadata) {
    if (m.errorCode !== 0 || m.baseOffset === undefined) return `partition ${m.partition} answered error ${m.errorCode} without an offset`;
    base.set(m.partition, Number(m.baseOffset));
  }
  const expected = new Set(records.map((r) => r.partition));
  if (expected.size !== base.size || [...expected].some((p) => !base.has(p))) {
    return `kafkajs wrote to partitions ${[...base.keys()].join(',')}, the keys map to ${[...expected].join(',')}`;
  }
  const next = new Map<number, number>();
  return records.map((r) => {
    const offset = next.get(r.partition) ?? base.get(r.partition)!;
    next.set(r.partition, offset + 1);
    return offset;
  });
}

class KafkaClientProducer {
  private producer: Producer | undefined;
  private instance = 0;
  private values = 0;
  private sends = 0;

  constructor(
    private readonly host: KafkaHost,
    private readonly kafka: Kafka,
    private readonly topic: string,
    readonly name: string,
    readonly idempotent: boolean,
  ) {}

  private get instanceName(): string {
    return `${this.name}#${this.instance}`;
  }

  async loop(): Promise<void> {
    try {
      while (this.host.producing) {
        if (!(await this.connected())) break;
        await this.send(this.batch());
        await delay(5 + Math.floor(this.host.rng() * 35));
      }
    } finally {
      await this.discard();
    }
  }

  async close(): Promise<void> {
    await this.discard();
  }

  private batch(): OutRecord[] {
    const count = 1 + Math.floor(this.host.rng() * 3);
    return Array.from({ length: count }, () => {
      const key = `k${Math.floor(this.host.rng() * KEY_SPACE)}`;
      return { key, value: `${this.name}-${this.values++}`, partition: partitionForKey(Buffer.from(key, 'utf8'), this.host.options.partitions) };
    });
  }

  /** A connected kafkajs producer, a new one (a new instance, and for the idempotent one a new producer id) if there is none. */
  private async connected(): Promise<Producer | undefined> {
    for (let i = 0; this.producer === undefined && this.host.producing && i < 40; i++) {
      const producer = this.kafka.producer({
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        ...(this.idempotent
          ? { idempotent: true, maxInFlightRequests: 1, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } }
          : { retry: { retries: 0 } }),
      });
      try {
        await producer.connect();
        this.producer = producer;
        this.instance++;
      } catch (error) {
        await producer.disconnect().catch(() => undefined);
        if (i === 39) this.host.notes.push(`${this.name}: could not connect to the gateway: ${kafkaErrorCode(error)}`);
        await delay(50 + Math.floor(this.host.rng() * 200 * Math.min(i + 1, 5)));
      }
    }
    return this.producer;
  }

  private async discard(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  /** One logical send: the same records, through the same kafkajs producer, until a definite answer. */
  private async send(records: OutRecord[]): Promise<void> {
    const producer = this.producer!;
    const sendId = `${this.name}.${++this.sends}`;
    const deadline = this.host.now() + 40_000;
    for (let attempt = 1; attempt <= 25; attempt++) {
      const { event: a, nonRetriable } = await this.attempt(producer, sendId, attempt, records);
      if (a.outcome === 'ok') return;
      if (a.outcome === 'fail') return;
      if (this.idempotent && nonRetriable) {
        // Fenced or out of sequence: this producer id is done with; its next send starts a new one.
        await this.discard();
        return;
      }
      if (!this.idempotent && this.host.rng() < 0.2) return; // a plain client sometimes gives up
      if (this.host.now() >= deadline) break;
      await delay(20 + Math.floor(this.host.rng() * Math.min(1000, 50 * 2 ** attempt)));
    }
    // Still unknown: the idempotent producer's sequence can no longer be trusted; a new producer id starts over.
    if (this.idempotent) await this.discard();
  }

  /** One `send()`, recorded; `nonRetriable`: the gateway refused it with a protocol error kafkajs does not retry. */
  private async attempt(producer: Producer, sendId: string, attempt: number, records: readonly OutRecord[]): Promise<{ event: SendAttempt; nonRetriable?: boolean }> {
    const event: SendAttempt = {
      type: 'send',
      sendId,
      attempt,
      producer: this.instanceName,
      idempotent: this.idempotent,
      values: records.map((r) => r.value),
      partitions: records.map((r) => r.partition),
      start: this.host.now(),
      end: 0,
      outcome: 'unknown',
      via: 'kafka',
    };
    const settle = (outcome: Outcome, extra: Partial<SendAttempt> = {}) => {
      Object.assign(event, { outcome, end: this.host.now() }, extra);
      return this.host.record(event);
    };
    let metadata: RecordMetadata[];
    try {
      metadata = await producer.send({ topic: this.topic, acks: -1, messages: records.map((r) => ({ key: r.key, value: r.value })) });
    } catch (error) {
      const root = rootError(error);
      const code = kafkaErrorCode(error);
      // One request (no kafkajs retries) to one partition, refused outright: nothing was written.
      const definite = !this.idempotent && root.name === 'KafkaJSProtocolError' && DEFINITE_REFUSALS.has(code) && new Set(records.map((r) => r.partition)).size === 1;
      return { event: settle(definite ? 'fail' : 'unknown', { code }), nonRetriable: root.name === 'KafkaJSProtocolError' && root.retriable === false };
    }
    const offsets = offsetsFromMetadata(records, metadata);
    if (typeof offsets === 'string') {
      this.host.notes.push(`${sendId}: acknowledged, but ${offsets}`);
      return { event: settle('ok', { code: 'OFFSETS_UNKNOWN' }) };
    }
    return { event: settle('ok', { offsets }) };
  }
}

/**
 * A TCP proxy in front of the gateway, advertised to clients as the broker, that can lose
 * one Produce response: armed, it marks the next Produce request it passes on (by its
 * correlation id) and, when the gateway's answer to it comes back, closes both sides of
 * the connection instead of forwarding it. Every other frame passes unchanged.
 */
export class KafkaResponseDropper {
  private target: { host: string; port: number } | undefined;
  private readonly sockets = new Set<Socket>();
  /** The next Produce request passed on has its response lost. */
  armed = false;
  dropped = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(host = '127.0.0.1'): Promise<KafkaResponseDropper> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const address = server.address();
    const proxy = new KafkaResponseDropper(server, typeof address === 'object' && address ? address.port : 0);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** Where the gateway listens (known once the platform is up). */
  forwardTo(host: string, port: number): void {
    this.target = { host, port };
  }

  private accept(client: Socket): void {
    if (!this.target) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ ...this.target, noDelay: true });
    this.sockets.add(client).add(upstream);
    let lose: number | undefined;
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    const requests = frames((frame) => {
      // Request header: api key (int16), api version (int16), correlation id (int32). Produce is 0.
      if (this.armed && lose === undefined && frame.length >= 12 && frame.readInt16BE(4) === 0) {
        this.armed = false;
        lose = frame.readInt32BE(8);
      }
      upstream.write(frame);
    });
    const responses = frames((frame) => {
      if (lose !== undefined && frame.length >= 8 && frame.readInt32BE(4) === lose) {
        this.dropped++;
        closeBoth();
        return;
      }
      client.write(frame);
    });
    client.on('data', requests);
    upstream.on('data', responses);
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Splits a byte stream into size-prefixed Kafka frames (the 4-byte size included). */
function frames(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = 4 + pending.readInt32BE(0);
      if (pending.length < size) break;
      onFrame(pending.subarray(0, size));
      pending = pending.subarray(size);
    }
  };
}

/** The Kafka clients of a run, started beside the HTTP producers. */
export interface KafkaClients {
  bootstrap: string;
  /** Resolves when both producers have stopped (after `host.producing` turned false). */
  done: Promise<void>;
  /** kcat -C of every partition to the final high watermarks, recorded as the final read `kcat`; undefined without kcat. */
  finalRead(highWatermarks: readonly number[]): Promise<FinalRead | undefined>;
  close(): Promise<void>;
}

/**
 * Starts the Kafka producers against the platform's gateway, after making sure the gateway
 * works on the context the faults are installed on (the same DynamoDB client), so its
 * storage calls see the same throttles, lost responses and restarts as the HTTP API's.
 */
export function startKafkaClients(host: KafkaHost, gateway: KafkaGateway | undefined, faulted: SluiceContext, topic: string, proxy: KafkaResponseDropper): KafkaClients {
  if (!gateway) throw new Error('the Kafka clients need the local platform to serve its Kafka gateway');
  if (gateway.batcher.ctx.ddb !== faulted.ddb) throw new Error("the Kafka gateway's DynamoDB client is not the one the faults are installed on");
  proxy.forwardTo(gateway.host, gateway.port);
  const bootstrap = `127.0.0.1:${proxy.port}`;
  // Metadata must name the proxy as the broker, or clients would connect to the gateway directly after bootstrapping.
  if (gateway.bootstrapServer !== bootstrap) throw new Error(`the gateway advertises ${gateway.bootstrapServer}, not the proxy ${bootstrap}`);
  const kafka = new Kafka({ clientId: 'sluice-safety', brokers: [bootstrap], logLevel: logLevel.NOTHING, connectionTimeout: 5000, requestTimeout: 30_000 });
  const producers = [new KafkaClientProducer(host, kafka, topic, 'kafka-i0', true), new KafkaClientProducer(host, kafka, topic, 'kafka-p0', false)];
  const losses = (async () => {
    if (!host.enabled('lost-response')) return;
    // Now and then (every 1.5-4.5 s) the next Produce response is lost after its commit.
    while (host.producing) {
      const at = host.now() + 1500 + host.rng() * 3000;
      while (host.producing && host.now() < at) await delay(100);
      if (host.producing) proxy.armed = true;
    }
    proxy.armed = false;
  })();
  const done = Promise.all([...producers.map((p) => p.loop()), losses]).then(() => {
    host.counters.count('lost-response', proxy.dropped);
    host.counters.detail('lost-response.kafka-produce', proxy.dropped);
  });
  return {
    bootstrap,
    done,
    finalRead: (highWatermarks) => kcatFinalRead(host, bootstrap, topic, highWatermarks),
    close: async () => {
      await Promise.all(producers.map((p) => p.close()));
      await proxy.stop();
    },
  };
}

const run = promisify(execFile);

export function kcatInstalled(): boolean {
  return spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** kcat -C (librdkafka) of each partition from the beginning to its final high watermark, through the gateway. */
async function kcatFinalRead(host: KafkaHost, bootstrap: string, topic: string, highWatermarks: readonly number[]): Promise<FinalRead | undefined> {
  if (!kcatInstalled()) {
    if (process.env.CI) throw new Error('kcat is not installed: .ci/run installs it with apt-get');
    host.notes.push('kcat is not installed: no Kafka-side final read (apt-get install kcat)');
    return undefined;
  }
  const partitions: FinalRead['partitions'] = [];
  for (let partition = 0; partition < highWatermarks.length; partition++) {
    const highWatermark = highWatermarks[partition]!;
    let records: [number, string][] = [];
    for (let tries = 0; tries < 3 && highWatermark > 0; tries++) {
      try {
        const { stdout } = await run(
          'kcat',
          ['-b', bootstrap, '-C', '-t', topic, '-p', String(partition), '-o', 'beginning', '-c', String(highWatermark), '-e', '-q', '-f', '%o\\t%s\\n'],
          { timeout: 60_000, maxBuffer: 256 * 1024 ** 2 },
        );
        records = stdout
          .split('\n')
          .filter((line) => line.length > 0)
          .map((line) => {
            const tab = line.indexOf('\t');
            return [Number(line.slice(0, tab)), line.slice(tab + 1)] as [number, string];
          })
          .filter(([offset]) => offset < highWatermark);
        if (records.length > 0 && records.at(-1)![0] + 1 >= highWatermark) break;
      } catch (error) {
        host.notes.push(`kcat -C of partition ${partition} failed: ${(error as Error).message.split('\n')[0]}`);
      }
      await delay(500);
    }
    const complete = highWatermark === 0 || (records.length > 0 && records.at(-1)![0] + 1 >= highWatermark);
    partitions.push({ partition, highWatermark, complete, records });
  }
  return host.record({ type: 'final-read', label: 'kcat', time: host.now(), partitions });
}

/** What the Kafka clients did, from the history: attempts by outcome, values acknowledged, error codes. */
export function kafkaSummary(events: readonly HistoryEvent[]): { sends: number; attempts: Record<Outcome, number>; valuesAcknowledged: number; codes: Record<string, number> } {
  const attempts: Record<Outcome, number> = { ok: 0, fail: 0, unknown: 0 };
  const codes: Record<string, number> = {};
  const sendIds = new Set<string>();
  let valuesAcknowledged = 0;
  for (const e of events) {
    if (e.type !== 'send' || e.via !== 'kafka') continue;
    sendIds.add(e.sendId);
    attempts[e.outcome]++;
    if (e.code) codes[e.code] = (codes[e.code] ?? 0) + 1;
    if (e.outcome === 'ok' && e.offsets) valuesAcknowledged += e.values.length;
  }
  return { sends: sendIds.size, attempts, valuesAcknowledged, codes };
}
