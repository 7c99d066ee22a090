/**
 * Tests of the `sluice` CLI's own behaviour (argument parsing, batching, output
 * formats, error mapping), run as a child process against a small in-memory fake
 * of the HTTP API. End-to-end tests against the real platform live elsewhere.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { partitionForKey } from '../../lib/protocol/partitioner';
import { FakeGroupServer } from '../lib/client/fake-group-server';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// ---------------------------------------------------------------------------
// A fake Sluice: just enough of docs/http-api.md, in memory.

interface StoredRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

interface FakeTopic {
  name: string;
  topicId: string;
  partitions: number;
  config: Record<string, string>;
  createdAt: number;
  logs: StoredRecord[][];
}

interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  bytes: number;
  encoding?: string;
}

interface WireRecord {
  key?: string | null;
  value: string | null;
  headers?: { key: string; value: string | null }[];
  partition?: number;
}

interface Injected {
  method: string;
  path: RegExp;
  /** 0 drops the connection without an answer. */
  status: number;
  body: unknown;
  times: number;
  /** Let this many matching requests through first. */
  skip: number;
}

class FakeSluice {
  readonly topics = new Map<string, FakeTopic>();
  /** Producer ids handed out by POST /v1/producers. */
  producerIds = 0;
  readonly requests: SeenRequest[] = [];
  private readonly injected: Injected[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const url = new URL(req.url ?? '/', 'http://fake');
        const encoding = req.headers['content-encoding'];
        const text = (encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
        const seen = { method: req.method ?? '', path: url.pathname, query: url.searchParams, body: raw.length ? JSON.parse(text) : undefined, bytes: raw.length, encoding };
        this.requests.push(seen);
        this.handle(seen, res);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }

  /** After `skip` matching requests, the next `times` ones answer `status` with `body` (status 0: no answer at all). */
  inject(method: string, path: RegExp, status: number, body: unknown, times = 1, skip = 0): void {
    this.injected.push({ method, path, status, body, times, skip });
  }

  createTopic(name: string, partitions = 1): FakeTopic {
    const topic = { name, topicId: randomUUID(), partitions, config: {}, createdAt: Date.UTC(2026, 0, 2, 3, 4, 5), logs: Array.from({ length: partitions }, () => []) };
    this.topics.set(name, topic);
    return topic;
  }

  /** Appends UTF-8 records as if produced. */
  append(topic: string, partition: number, ...values: (string | { key: string | null; value: string | null; headers?: [string, string][] })[]): void {
    const log = this.topics.get(topic)?.logs[partition];
    assert.ok(log, `no partition ${topic}/${partition}`);
    for (const v of values) {
      const r = typeof v === 'string' ? { key: null, value: v, headers: [] } : v;
      log.push({
        offset: log.length,
        timestamp: 1_700_000_000_000 + log.length,
        key: r.key === null ? null : Buffer.from(r.key),
        value: r.value === null ? null : Buffer.from(r.value),
        headers: (r.headers ?? []).map(([key, value]) => ({ key, value: Buffer.from(value) })),
      });
    }
  }

  /** Every record of a partition as UTF-8 text. */
  values(topic: string, partition = 0): (string | null)[] {
    return (this.topics.get(topic)?.logs[partition] ?? []).map((r) => r.value?.toString('utf8') ?? null);
  }

  initProducerCalls(): SeenRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === '/v1/producers');
  }

  produceCalls(): SeenRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/records'));
  }

  fetchCalls(): SeenRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/records'));
  }

  private handle(req: SeenRequest, res: ServerResponse): void {
    const injected = this.injected.find((i) => i.times > 0 && i.method === req.method && i.path.test(req.path));
    if (injected && injected.skip > 0) injected.skip--;
    else if (injected) {
      injected.times--;
      if (injected.status === 0) return void res.socket?.destroy();
      return send(res, injected.status, injected.body);
    }
    const parts = req.path.split('/').slice(1).map(decodeURIComponent); // v1, topics, name, partitions, p, records
    const topic = parts[2] === undefined ? undefined : this.topics.get(parts[2]);
    const route = `${req.method} /${parts.map((p, i) => (i === 2 || i === 4 ? '*' : p)).join('/')}`;
    if (parts[2] !== undefined && !topic && !(route === 'POST /v1/topics')) {
      return error(res, 404, 'TOPIC_NOT_FOUND', `Topic '${parts[2]}' does not exist`, { topic: parts[2] });
    }
    switch (route) {
      case 'POST /v1/producers':
        return send(res, 200, { producerId: `p-${++this.producerIds}`, epoch: 0 });
      case 'POST /v1/topics': {
        const body = req.body as { name: string; partitions?: number; config?: Record<string, string> };
        if (this.topics.has(body.name)) return error(res, 409, 'TOPIC_EXISTS', `Topic '${body.name}' already exists`);
        const created = this.createTopic(body.name, body.partitions ?? 1);
        created.config = body.config ?? {};
        return send(res, 201, view(created));
      }
      case 'GET /v1/topics':
        return send(res, 200, { topics: [...this.topics.values()].sort((a, b) => a.name.localeCompare(b.name)).map(view) });
      case 'GET /v1/topics/*':
        return send(res, 200, view(topic!));
      case 'GET /v1/topics/*/offsets':
        return send(res, 200, { topic: topic!.name, partitions: topic!.logs.map((log, partition) => ({ partition, logStartOffset: 0, highWatermark: log.length })) });
      case 'DELETE /v1/topics/*':
        this.topics.delete(topic!.name);
        return void res.writeHead(204).end();
      case 'POST /v1/topics/*/records':
        return this.produce(topic!, req.body as { encoding?: string; records: WireRecord[] }, res);
      case 'GET /v1/topics/*/partitions/*/records':
      case 'GET /v1/topics/*/partitions/*/offsets': {
        const partition = Number(parts[4]);
        const log = topic!.logs[partition];
        if (!log) return error(res, 404, 'PARTITION_NOT_FOUND', `Topic '${topic!.name}' has no partition ${partition}`);
        if (parts[5] === 'offsets') return send(res, 200, { topic: topic!.name, partition, logStartOffset: 0, highWatermark: log.length });
        return this.fetch(topic!, partition, log, req.query, res);
      }
      default:
        return error(res, 404, 'ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`);
    }
  }

  private produce(topic: FakeTopic, body: { encoding?: string; records: WireRecord[] }, res: ServerResponse): void {
    const encoding = body.encoding === 'base64' ? 'base64' : 'utf8';
    const decode = (text: string, field: string): Buffer => {
      if (encoding === 'base64' && !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) throw { field, message: `${field}: is not valid base64` };
      return Buffer.from(text, encoding);
    };
    let placed: { partition: number; record: Omit<StoredRecord, 'offset'> }[];
    try {
      if (body.records.length < 1 || body.records.length > 10_000) throw { field: 'records', message: 'records: must hold 1 to 10000 records' };
      const sticky = this.requests.length % topic.partitions;
      placed = body.records.map((r, i) => {
        const key = r.key == null ? null : decode(r.key, `records[${i}].key`);
        const value = r.value === null ? null : decode(r.value, `records[${i}].value`);
        if (value && value.length > 1024 * 1024) throw { field: `records[${i}].value`, limit: 1048576, message: `records[${i}].value: must be at most 1048576 bytes` };
        const partition = r.partition ?? (key ? partitionForKey(key, topic.partitions) : sticky);
        if (partition >= topic.partitions) throw { field: `records[${i}].partition`, message: `records[${i}].partition: no such partition` };
        const headers = (r.headers ?? []).map((h, j) => ({ key: h.key, value: h.value === null ? null : decode(h.value, `records[${i}].headers[${j}].value`) }));
        return { partition, record: { timestamp: Date.now(), key, value, headers } };
      });
      if (new Set(placed.map((p) => p.partition)).size > 49) throw { field: 'records', limit: 49, message: 'records: one call may touch at most 49 partitions' };
    } catch (e) {
      const { message, ...details } = e as { message: string; field: string };
      return error(res, 400, 'INVALID_REQUEST', message, details);
    }
    const answers = placed.map(({ partition, record }) => {
      const log = topic.logs[partition]!;
      log.push({ offset: log.length, ...record });
      return { partition, offset: log.length - 1, timestamp: record.timestamp };
    });
    send(res, 200, { topic: topic.name, records: answers });
  }

  private fetch(topic: FakeTopic, partition: number, log: StoredRecord[], query: URLSearchParams, res: ServerResponse): void {
    const offset = Number(query.get('offset') ?? 0);
    const maxRecords = Number(query.get('maxRecords') ?? 500);
    const encoding = query.get('encoding') === 'utf8' ? 'utf8' : 'base64';
    if (offset < 0 || offset > log.length) {
      return error(res, 416, 'OFFSET_OUT_OF_RANGE', `Offset ${offset} is out of range`, { offset, logStartOffset: 0, highWatermark: log.length });
    }
    const records = log.slice(offset, offset + maxRecords).map((r) => ({
      offset: r.offset,
      timestamp: r.timestamp,
      key: r.key?.toString(encoding) ?? null,
      value: r.value?.toString(encoding) ?? null,
      headers: r.headers.map((h) => ({ key: h.key, value: h.value?.toString(encoding) ?? null })),
    }));
    send(res, 200, { topic: topic.name, partition, encoding, records, nextOffset: offset + records.length, highWatermark: log.length, logStartOffset: 0 });
  }
}

function view(t: FakeTopic): Record<string, unknown> {
  return { name: t.name, topicId: t.topicId, partitions: t.partitions, config: t.config, createdAt: t.createdAt };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function error(res: ServerResponse, status: number, code: string, message: string, details: Record<string, unknown> = {}): void {
  send(res, status, { error: { code, message, retriable: false, ...details } });
}

const fakes: FakeSluice[] = [];
after(() => fakes.forEach((f) => f.close()));

async function fake(): Promise<FakeSluice> {
  const f = await new FakeSluice().start();
  fakes.push(f);
  return f;
}

// ---------------------------------------------------------------------------
// Running the CLI

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  stdin?: string | Buffer;
  env?: Record<string, string | undefined>;
  /** Drive the child yourself (write stdin, send signals); stdin is ended afterwards. */
  drive?: (child: ChildProcess, output: { stdout: () => string }) => Promise<void>;
  command?: string[];
}

function run(args: string[], options: RunOptions = {}): Promise<Result> {
  const command = options.command ?? ['--import', 'tsx', 'bin/sluice.ts'];
  const env = { ...process.env, SLUICE_URL: undefined, ...options.env };
  const child = spawn(process.execPath, [...command, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return (async () => {
    try {
      if (options.drive) await options.drive(child, { stdout: () => stdout });
      else if (options.stdin !== undefined) child.stdin.write(options.stdin);
    } catch (err) {
      child.kill('SIGKILL'); // a failed test must not leave the CLI waiting on stdin
      await exited;
      throw new Error(`${(err as Error).message}; the CLI's stderr: ${stderr}`, { cause: err });
    }
    child.stdin.end();
    return { code: await exited, stdout, stderr };
  })();
}

function cli(f: FakeSluice, args: string[], options?: RunOptions): Promise<Result> {
  return run(['--url', f.url, ...args], options);
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function lines(n: number, make: (i: number) => string = (i) => `line-${i}`): string {
  return Array.from({ length: n }, (_, i) => `${make(i + 1)}\n`).join('');
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

// ---------------------------------------------------------------------------

describe('sluice (global behaviour)', { concurrency: true }, () => {
  test('an API error prints "error: CODE: message" on stderr and exits 1', async () => {
    const f = await fake();
    const r = await cli(f, ['topics', 'describe', 'missing']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "error: TOPIC_NOT_FOUND: Topic 'missing' does not exist\n");
    assert.equal(r.stdout, '');
  });

  test('with --json an API error prints the error body as JSON on stderr', async () => {
    const f = await fake();
    const r = await cli(f, ['--json', 'topics', 'describe', 'missing']);
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.stderr), {
      error: { code: 'TOPIC_NOT_FOUND', message: "Topic 'missing' does not exist", retriable: false, status: 404, topic: 'missing' },
    });
  });

  test('a usage error exits 2 without calling the API', async () => {
    const f = await fake();
    const r = await cli(f, ['topics', 'create', 'orders', '--partitions', 'four']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--partitions <n>' argument 'four' is invalid/);
    assert.equal(f.requests.length, 0);
  });

  test('with --json a usage error is a USAGE_ERROR JSON document on stderr', async () => {
    const f = await fake();
    const r = await cli(f, ['--json', 'consume', 't', '--from', 'yesterday']);
    assert.equal(r.code, 2);
    assert.equal(JSON.parse(r.stderr).error.code, 'USAGE_ERROR');
  });

  test('an unreachable server is CONNECTION_FAILED naming the base URL, exit 1', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const r = await run(['--url', url, 'topics', 'list']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^error: CONNECTION_FAILED: Could not reach Sluice at ${url.replace(/\./g, '\\.')} `));
  });

  test('SLUICE_URL is the base URL when --url is not given', async () => {
    const f = await fake();
    f.createTopic('from-env');
    const r = await run(['topics', 'list', '--json'], { env: { SLUICE_URL: f.url } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).topics.map((t: { name: string }) => t.name), ['from-env']);
  });

  test('bin/sluice.js runs the CLI through tsx', async () => {
    const f = await fake();
    const r = await run(['--url', f.url, 'topics', 'list'], { command: ['bin/sluice.js'] });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'No topics.\n');
  });
});

describe('sluice topics', { concurrency: true }, () => {
  test('create sends the name, --partitions and every --config entry, and confirms', async () => {
    const f = await fake();
    const r = await cli(f, ['topics', 'create', 'orders', '--partitions', '4', '--config', 'retention.ms=1000', '--config', 'cleanup.policy=compact']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(f.requests[0]?.body, { name: 'orders', partitions: 4, config: { 'retention.ms': '1000', 'cleanup.policy': 'compact' } });
    assert.equal(r.stdout, "Created topic 'orders' with 4 partitions (config retention.ms=1000,cleanup.policy=compact).\n");
  });

  test('create --json prints the created topic as one JSON document', async () => {
    const f = await fake();
    const r = await cli(f, ['--json', 'topics', 'create', 'orders']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(f.requests[0]?.body, { name: 'orders' });
    const topic = JSON.parse(r.stdout);
    assert.equal(topic.name, 'orders');
    assert.equal(topic.partitions, 1);
  });

  test('list prints a table of topics sorted by name', async () => {
    const f = await fake();
    f.createTopic('zeta', 2);
    f.createTopic('alpha', 12);
    const r = await cli(f, ['topics', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'NAME   PARTITIONS  CREATED                   CONFIG',
        'alpha  12          2026-01-02T03:04:05.000Z  -',
        'zeta   2           2026-01-02T03:04:05.000Z  -',
        '',
      ].join('\n'),
    );
  });

  test("describe shows each partition's log start offset and high watermark", async () => {
    const f = await fake();
    f.createTopic('orders', 2);
    f.append('orders', 1, 'a', 'b', 'c');
    const r = await cli(f, ['topics', 'describe', 'orders']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Topic: {7}orders\n/);
    assert.match(r.stdout, /PARTITION {2}LOG-START-OFFSET {2}HIGH-WATERMARK\n0 {10}0 {17}0\n1 {10}0 {17}3\n$/);
    // The topic from describe, the offsets from the topic offsets route: one call each.
    assert.deepEqual(f.requests.map((q) => `${q.method} ${q.path}`).sort(), ['GET /v1/topics/orders', 'GET /v1/topics/orders/offsets']);
  });

  test('describe --json prints the topic with its offsets as partitionOffsets, as describe answered before offsets moved to their own route', async () => {
    const f = await fake();
    f.createTopic('orders', 2);
    f.append('orders', 0, 'a');
    const r = await cli(f, ['--json', 'topics', 'describe', 'orders']);
    assert.equal(r.code, 0, r.stderr);
    const described = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(described).sort(), ['config', 'createdAt', 'name', 'partitionOffsets', 'partitions', 'topicId']);
    assert.deepEqual(described.partitionOffsets, [
      { partition: 0, logStartOffset: 0, highWatermark: 1 },
      { partition: 1, logStartOffset: 0, highWatermark: 0 },
    ]);
  });

  test("offsets shows each partition's log start offset and high watermark alone; --json prints the route's answer", async () => {
    const f = await fake();
    f.createTopic('orders', 2);
    f.append('orders', 1, 'a', 'b');
    const r = await cli(f, ['topics', 'offsets', 'orders']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'PARTITION  LOG-START-OFFSET  HIGH-WATERMARK\n0          0                 0\n1          0                 2\n');
    assert.deepEqual(f.requests.map((q) => `${q.method} ${q.path}`), ['GET /v1/topics/orders/offsets']);
    const json = await cli(f, ['--json', 'topics', 'offsets', 'orders']);
    assert.deepEqual(JSON.parse(json.stdout), { topic: 'orders', partitions: [{ partition: 0, logStartOffset: 0, highWatermark: 0 }, { partition: 1, logStartOffset: 0, highWatermark: 2 }] });
    const missing = await cli(f, ['topics', 'offsets', 'missing']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, "error: TOPIC_NOT_FOUND: Topic 'missing' does not exist\n");
  });

  test('delete removes the topic', async () => {
    const f = await fake();
    f.createTopic('orders');
    const r = await cli(f, ['topics', 'delete', 'orders']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "Deleted topic 'orders'.\n");
    assert.equal(f.topics.has('orders'), false);
  });
});

describe('sluice produce', { concurrency: true }, () => {
  test('values given as arguments go in one call, and the summary gives the offset range and the throughput', async () => {
    const f = await fake();
    f.createTopic('t');
    const r = await cli(f, ['produce', 't', 'a', 'b', 'c']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(f.produceCalls().length, 1);
    assert.deepEqual(f.values('t'), ['a', 'b', 'c']);
    assert.match(r.stdout, /^Produced 3 records to 't' in 1 call\.\n {2}partition 0: offsets 0-2 \(3 records\)\n {2}\d+\.\d\d s: \d+ records\/s, \d+\.\d\d MiB\/s\n$/);
  });

  test('is idempotent by default: it takes a producer id once and numbers each partition from sequence 0', async () => {
    const f = await fake();
    f.createTopic('t', 2);
    const r = await cli(f, ['produce', 't', '--batch-records', '2', '--partition', '1', 'a', 'b', 'c']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(f.initProducerCalls().length, 1);
    assert.deepEqual(
      f.produceCalls().map((c) => (c.body as { producer: unknown }).producer),
      [
        { id: 'p-1', epoch: 0, sequences: { '1': 0 } },
        { id: 'p-1', epoch: 0, sequences: { '1': 2 } },
      ],
    );
  });

  test('a producer id refused for want of WRITE on the cluster says so and points at --no-idempotence', async () => {
    const f = await fake();
    f.createTopic('t');
    const denied = { code: 'ACCESS_DENIED', message: "Principal 'bob' may not WRITE cluster 'kafka-cluster'", retriable: false, principal: 'bob', operation: 'WRITE', resourceType: 'CLUSTER', resourceName: 'kafka-cluster' };
    f.inject('POST', /^\/v1\/producers$/, 403, { error: denied });
    const r = await cli(f, ['produce', 't', 'a']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: ACCESS_DENIED: Principal 'bob' may not WRITE cluster/);
    assert.match(r.stderr, /\nnote: nothing was committed\nnote: an idempotent producer needs WRITE on the cluster; --no-idempotence produces without it\n$/);
    assert.equal(f.produceCalls().length, 0);
  });

  test('--compression gzip sends each call gzip-compressed', async () => {
    const f = await fake();
    f.createTopic('t');
    const r = await cli(f, ['produce', 't', '--compression', 'gzip'], { stdin: lines(300, (i) => `a fairly repetitive line number ${i}`) });
    assert.equal(r.code, 0, r.stderr);
    const call = f.produceCalls()[0]!;
    assert.equal(call.encoding, 'gzip');
    assert.ok(call.bytes * 3 < Buffer.byteLength(JSON.stringify(call.body)), `${call.bytes} bytes on the wire`);
    assert.equal(f.values('t').length, 300);
  });

  test('--no-idempotence sends no producer claim and takes no producer id', async () => {
    const f = await fake();
    f.createTopic('t');
    const r = await cli(f, ['produce', 't', '--no-idempotence', 'a', 'b']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(f.initProducerCalls().length, 0);
    assert.equal((f.produceCalls()[0]?.body as { producer?: unknown }).producer, undefined);
    assert.deepEqual(f.values('t'), ['a', 'b']);
  });

  test('stdin lines are sent in calls of at most 500 records, in order, with nothing on stderr', async () => {
    const f = await fake();
    f.createTopic('t');
    // A long linger, so that a loaded machine reading the pipe in several chunks cannot add calls.
    const r = await cli(f, ['produce', 't', '--batch-records', '500', '--linger-ms', '60000'], { stdin: lines(1200) });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      f.produceCalls().map((c) => (c.body as { records: unknown[] }).records.length),
      [500, 500, 200],
    );
    assert.deepEqual(f.values('t'), Array.from({ length: 1200 }, (_, i) => `line-${i + 1}`));
    assert.match(r.stdout, /^Produced 1200 records to 't' in 3 calls\.\n/);
    assert.equal(r.stderr, '');
  });

  test('a new call starts before the request body passes --batch-bytes', async () => {
    const f = await fake();
    f.createTopic('t');
    const r = await cli(f, ['produce', 't', '--batch-bytes', '65536'], { stdin: lines(40, (i) => `${i}`.padEnd(10_000, 'x')) });
    assert.equal(r.code, 0, r.stderr);
    const calls = f.produceCalls();
    assert.ok(calls.length >= 5, `${calls.length} calls`);
    for (const call of calls) assert.ok(call.bytes <= 65536, `a body of ${call.bytes} bytes`);
    assert.equal(f.values('t').length, 40);
  });

  test('--key-separator splits each line at the first separator into key and value', async () => {
    const f = await fake();
    f.createTopic('t');
    const r = await cli(f, ['produce', 't', '--key-separator', ':', '--partition', '0'], { stdin: 'k1:v1\nk2:v:2\n:empty-key\n' });
    assert.equal(r.code, 0, r.stderr);
    const log = f.topics.get('t')!.logs[0]!;
    assert.deepEqual(
      log.map((rec) => [rec.key?.toString(), rec.value?.toString()]),
      [['k1', 'v1'], ['k2', 'v:2'], ['', 'empty-key']],
    );
  });

  test('a line without the key separator is an error naming it; lines before it are committed, none after', async () => {
    const f = await fake();
    f.createTopic('t');
    const r = await cli(f, ['produce', 't', '--key-separator', '\\t'], { stdin: 'a\t1\nb\t2\nno tab here\nc\t3\n' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: INVALID_INPUT: line 3: no key separator "\\t"\n/);
    assert.match(r.stderr, /note: lines 1-2 were committed; nothing from line 3 on was committed\n/);
    assert.deepEqual(f.values('t'), ['1', '2']);
  });

  test('--key, --partition and --header apply to every record', async () => {
    const f = await fake();
    f.createTopic('t', 3);
    const r = await cli(f, ['produce', 't', '--key', 'k', '--partition', '2', '--header', 'trace=abc', '--header', 'src=cli', 'v1', 'v2']);
    assert.equal(r.code, 0, r.stderr);
    const log = f.topics.get('t')!.logs[2]!;
    assert.equal(log.length, 2);
    for (const rec of log) {
      assert.equal(rec.key?.toString(), 'k');
      assert.deepEqual(rec.headers.map((h) => [h.key, h.value?.toString()]), [['trace', 'abc'], ['src', 'cli']]);
    }
  });

  test('--base64 sends values as given, and decodes nothing itself', async () => {
    const f = await fake();
    f.createTopic('t');
    const binary = Buffer.from([0, 255, 10, 13]).toString('base64');
    const r = await cli(f, ['produce', 't', '--base64'], { stdin: `${binary}\n${b64('text')}\n` });
    assert.equal(r.code, 0, r.stderr);
    const sent = (f.produceCalls()[0]?.body as { records: { value: string }[] }).records.map((rec) => rec.value);
    assert.deepEqual(sent, [binary, b64('text')]);
    assert.deepEqual(f.topics.get('t')!.logs[0]![0]!.value, Buffer.from([0, 255, 10, 13]));
  });

  test('--base64 with a value that is not base64 is an error naming the line', async () => {
    const f = await fake();
    f.createTopic('t');
    const r = await cli(f, ['produce', 't', '--base64'], { stdin: `${b64('ok')}\nnot base64!\n` });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: INVALID_INPUT: line 2: the value is not valid base64\n/);
    assert.deepEqual(f.values('t'), ['ok']);
  });

  test('--json prints the partition, offset and timestamp of every record', async () => {
    const f = await fake();
    f.createTopic('t', 2);
    f.append('t', 1, 'old');
    const r = await cli(f, ['--json', 'produce', 't', '--partition', '1', 'x', 'y']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(
      doc.records.map((rec: { partition: number; offset: number }) => [rec.partition, rec.offset]),
      [[1, 1], [1, 2]],
    );
    assert.equal(typeof doc.records[0].timestamp, 'number');
    assert.deepEqual(doc.partitions, [{ partition: 1, firstOffset: 1, lastOffset: 2, count: 2 }]);
    assert.equal(doc.count, 2);
    assert.equal(doc.calls, 1);
    assert.deepEqual(doc.producer, { producerId: 'p-1', epoch: 0 });
  });

  test('with --json, a failed produce still prints the records that were committed', async () => {
    const f = await fake();
    f.createTopic('t');
    const r = await cli(f, ['--json', 'produce', 't', '--key-separator', ':'], { stdin: 'k:1\nk:2\nbad\n' });
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.stderr), { error: { code: 'INVALID_INPUT', message: 'line 3: no key separator ":"', retriable: false, line: 3 } });
    assert.deepEqual(JSON.parse(r.stdout).records.map((rec: { offset: number }) => rec.offset), [0, 1]);
  });

  for (const [flags, limit] of [[[], 32], [['--no-idempotence'], 49]] as const) {
    test(`on a topic with 64 partitions, keyed calls touch at most ${limit} partitions${flags.length ? ' without idempotence' : ' (idempotent)'}`, async () => {
      const f = await fake();
      f.createTopic('wide', 64);
      const r = await cli(f, ['produce', 'wide', '--key-separator', '=', '--linger-ms', '60000', ...flags], { stdin: lines(300, (i) => `key-${i}=v`) });
      assert.equal(r.code, 0, r.stderr);
      const calls = f.produceCalls();
      assert.ok(calls.length >= 2, `${calls.length} calls`);
      for (const call of calls) {
        const keys = (call.body as { records: { key: string }[] }).records.map((rec) => Buffer.from(rec.key, 'base64'));
        const partitions = new Set(keys.map((key) => partitionForKey(key, 64)));
        assert.ok(partitions.size <= limit, `a call touching ${partitions.size} partitions`);
      }
      assert.equal(f.topics.get('wide')!.logs.reduce((n, log) => n + log.length, 0), 300);
    });
  }

  test('a call refused with COMMIT_CONTENDED is sent again', async () => {
    const f = await fake();
    f.createTopic('t');
    f.inject('POST', /\/records$/, 503, { error: { code: 'COMMIT_CONTENDED', message: 'contended', retriable: true } });
    const r = await cli(f, ['produce', 't', 'a']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(f.values('t'), ['a']);
    assert.equal(r.stdout.split('\n')[0], "Produced 1 record to 't' in 2 calls (1 retry).");
  });

  test('a record the server rejects is reported with its stdin line, and its call commits nothing', async () => {
    const f = await fake();
    f.createTopic('t');
    const input = lines(4) + `${'x'.repeat(1024 * 1024 + 1)}\n` + lines(2);
    const r = await cli(f, ['produce', 't', '--batch-records', '3', '--batch-bytes', '5242880', '--linger-ms', '60000'], { stdin: input });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: INVALID_REQUEST: line 5: records\[\d\]\.value: must be at most 1048576 bytes\n/);
    // Line 4 goes in the rejected call or in the one before it, depending on when it was read.
    const committed = f.values('t');
    assert.ok(committed.length === 3 || committed.length === 4, `${committed.length} committed`);
    assert.deepEqual(committed, ['line-1', 'line-2', 'line-3', 'line-4'].slice(0, committed.length));
    assert.match(r.stderr, new RegExp(`note: lines 1-${committed.length} were committed; nothing from line ${committed.length + 1} on was committed\\n`));
  });

  test('a call that gets no answer is sent again with the same producer claim, and every value lands once', async () => {
    const f = await fake();
    f.createTopic('t');
    f.inject('POST', /\/records$/, 0, undefined, 1, 1);
    const r = await cli(f, ['produce', 't', '--batch-records', '2', 'a', 'b', 'c', 'd', 'e']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(f.values('t'), ['a', 'b', 'c', 'd', 'e']);
    const calls = f.produceCalls();
    assert.equal(calls.length, 4);
    assert.deepEqual(calls[2]!.body, calls[1]!.body, 'the retry is the same request');
    assert.equal(r.stdout.split('\n')[0], "Produced 5 records to 't' in 4 calls (1 retry).");
  });

  test('with --retries 0, a call that gets no answer leaves its values in doubt, and nothing after it is sent', async () => {
    const f = await fake();
    f.createTopic('t');
    f.inject('POST', /\/records$/, 0, undefined, 1, 1);
    const r = await cli(f, ['produce', 't', '--retries', '0', '--batch-records', '2', 'a', 'b', 'c', 'd', 'e']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: CONNECTION_FAILED: Could not reach Sluice at http:\/\/127\.0\.0\.1:\d+ \(POST \/v1\/topics\/t\/records\): /);
    assert.match(r.stderr, /\nnote: values 1-2 were committed; values 3-4 may or may not have been; nothing after value 4 was sent\n$/);
    assert.equal(f.produceCalls().length, 2);
  });

  test('stdin is streamed: lines go out before stdin ends', async () => {
    const f = await fake();
    f.createTopic('t');
    const r = await cli(f, ['produce', 't', '--linger-ms', '20'], {
      drive: async (child) => {
        child.stdin!.write('first\nsecond\n');
        await until(() => f.values('t').length === 2, 'the first two lines to be produced');
        child.stdin!.write('third\n');
      },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(f.values('t'), ['first', 'second', 'third']);
    assert.equal(f.produceCalls().length, 2);
  });

  test('--progress reports records and bytes committed and records/s on stderr', async () => {
    const f = await fake();
    f.createTopic('t');
    const r = await cli(f, ['produce', 't', '--progress', '--progress-interval-ms', '50', '--linger-ms', '10'], {
      drive: async (child) => {
        for (let i = 0; i < 4; i++) {
          child.stdin!.write(lines(10));
          await new Promise((resolve) => setTimeout(resolve, 60));
        }
      },
    });
    assert.equal(r.code, 0, r.stderr);
    // The final line (bin/cli/progress.ts): four times "line-1\n" to "line-10\n", 284 bytes of input.
    assert.match(r.stderr, /^produce t: 40 records, 284 B in \d+ s \([\d,]+ records\/s, [\d.]+ (B|KiB)\/s\)$/m);
  });
});

describe('sluice consume', { concurrency: true }, () => {
  test('reads every partition from earliest, in offset order, fetching until caught up', async () => {
    const f = await fake();
    f.createTopic('t', 2);
    f.append('t', 0, ...Array.from({ length: 1100 }, (_, i) => `p0-${i}`));
    f.append('t', 1, 'p1-0', 'p1-1');
    const r = await cli(f, ['consume', 't']);
    assert.equal(r.code, 0, r.stderr);
    const expected = [...Array.from({ length: 1100 }, (_, i) => `p0-${i}`), 'p1-0', 'p1-1'];
    assert.equal(r.stdout, expected.map((v) => `${v}\n`).join(''));
    assert.deepEqual(
      f.fetchCalls().map((c) => [c.path, c.query.get('offset'), c.query.get('encoding')]),
      [
        ['/v1/topics/t/partitions/0/records', '0', 'base64'],
        ['/v1/topics/t/partitions/0/records', '500', 'base64'],
        ['/v1/topics/t/partitions/0/records', '1000', 'base64'],
        ['/v1/topics/t/partitions/1/records', '0', 'base64'],
      ],
    );
  });

  test('--from latest skips the records already there', async () => {
    const f = await fake();
    f.createTopic('t');
    f.append('t', 0, 'old');
    const r = await cli(f, ['consume', 't', '--from', 'latest']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(f.fetchCalls().length, 0);
  });

  test('--from <offset> with --partition starts each chosen partition at that offset', async () => {
    const f = await fake();
    f.createTopic('t', 3);
    f.append('t', 0, 'a0', 'a1', 'a2');
    f.append('t', 2, 'c0', 'c1', 'c2');
    const r = await cli(f, ['consume', 't', '--from', '1', '--partition', '2', '--partition', '0']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'a1\na2\nc1\nc2\n');
  });

  test('--max-records stops after that many records in all', async () => {
    const f = await fake();
    f.createTopic('t', 2);
    f.append('t', 0, 'a', 'b');
    f.append('t', 1, 'c', 'd');
    const r = await cli(f, ['consume', 't', '--max-records', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'a\nb\nc\n');
  });

  test('--key-separator prints the key, the separator and the value', async () => {
    const f = await fake();
    f.createTopic('t');
    f.append('t', 0, { key: 'user-1', value: 'hello' }, { key: null, value: 'keyless' });
    const r = await cli(f, ['consume', 't', '--key-separator', ' => ']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'user-1 => hello\n => keyless\n');
  });

  test('--json prints one object per record with key, value and headers as UTF-8', async () => {
    const f = await fake();
    f.createTopic('t');
    f.append('t', 0, { key: 'k', value: 'héllo', headers: [['trace', 'abc']] }, { key: null, value: null });
    const r = await cli(f, ['--json', 'consume', 't']);
    assert.equal(r.code, 0, r.stderr);
    const records = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(records, [
      { topic: 't', partition: 0, offset: 0, timestamp: 1_700_000_000_000, key: 'k', value: 'héllo', headers: [{ key: 'trace', value: 'abc' }] },
      { topic: 't', partition: 0, offset: 1, timestamp: 1_700_000_000_001, key: null, value: null, headers: [] },
    ]);
  });

  test('--json --base64 prints values as base64', async () => {
    const f = await fake();
    f.createTopic('t');
    f.append('t', 0, { key: 'k', value: 'héllo' });
    const r = await cli(f, ['--json', 'consume', 't', '--base64']);
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse(r.stdout);
    assert.equal(record.value, b64('héllo'));
    assert.equal(record.key, 'k');
  });

  test('--follow prints records produced after it caught up, and exits 0 on SIGINT', async () => {
    const f = await fake();
    f.createTopic('t', 2);
    f.append('t', 0, 'before');
    const r = await cli(f, ['consume', 't', '--follow', '--poll-interval-ms', '20'], {
      drive: async (child, output) => {
        await until(() => output.stdout() === 'before\n', 'the existing record');
        f.append('t', 1, 'after');
        await until(() => output.stdout() === 'before\nafter\n', 'the new record');
        child.kill('SIGINT');
      },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });

  test('an offset outside a partition\'s range is OFFSET_OUT_OF_RANGE', async () => {
    const f = await fake();
    f.createTopic('t');
    f.append('t', 0, 'a');
    const r = await cli(f, ['consume', 't', '--from', '5']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: OFFSET_OUT_OF_RANGE: Partition 0: offset 5 is out of range; valid offsets are 0\.\.1/);
  });

  test('a fetch that fails with a retriable error is retried', async () => {
    const f = await fake();
    f.createTopic('t');
    f.append('t', 0, 'a');
    f.inject('GET', /\/records$/, 503, { error: { code: 'COMMIT_CONTENDED', message: 'busy', retriable: true } });
    const r = await cli(f, ['consume', 't']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'a\n');
    assert.equal(f.fetchCalls().length, 2);
  });
});

// ---------------------------------------------------------------------------
// Consumer groups, against the fake coordinator of test/lib/client.

async function groupFake(): Promise<FakeGroupServer> {
  const server = await new FakeGroupServer().start();
  groupFakes.push(server);
  return server;
}
const groupFakes: FakeGroupServer[] = [];
after(() => groupFakes.forEach((f) => f.close()));

/** A group with two members on a 4-partition topic, commits on three partitions. */
async function describedGroup(): Promise<FakeGroupServer> {
  const f = await groupFake();
  f.createTopic('orders', 4);
  for (let p = 0; p < 4; p++) f.append('orders', p, 10);
  const group = f.group('billing', { resetPolicy: 'earliest', auto: false });
  const expiresAt = Date.UTC(2026, 0, 2, 3, 4, 5);
  for (const memberId of ['member-b', 'member-a']) group.members.set(memberId, { memberId, topics: ['orders'], sessionTimeoutMs: 10_000, expiresAt });
  f.assign('billing', 'orders', { 'member-a': [0, 1], 'member-b': [2, 3] });
  group.committed.set('orders#0', 10);
  group.committed.set('orders#1', 4);
  group.committed.set('orders#2', 7);
  return f;
}

describe('sluice groups', { concurrency: true }, () => {
  test('list prints a table of groups with state, generation, members and assignor', async () => {
    const f = await describedGroup();
    f.group('idle');
    const r = await run(['--url', f.url, 'groups', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      'GROUP    STATE   GENERATION  MEMBERS  ASSIGNOR\n' + //
        'billing  Stable  1           2        sticky\n' +
        'idle     Empty   0           0        sticky\n',
    );
    const json = await run(['--url', f.url, '--json', 'groups', 'list']);
    assert.deepEqual(JSON.parse(json.stdout).groups[0], { group: 'billing', generation: 1, assignor: 'sticky', members: 2, state: 'Stable' });
  });

  test('list says so when there are no groups', async () => {
    const f = await groupFake();
    assert.equal((await run(['--url', f.url, 'groups', 'list'])).stdout, 'No groups.\n');
  });

  test('describe shows the group, its members with their partitions, and committed offset, position and lag per partition', async () => {
    const f = await describedGroup();
    const r = await run(['--url', f.url, 'groups', 'describe', 'billing']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'Group:         billing',
        'State:         Stable',
        'Generation:    1',
        'Assignor:      sticky',
        'Reset policy:  earliest',
        'Members:       2',
        '',
        'MEMBER    TOPICS  ASSIGNMENT  LEASE-EXPIRES',
        'member-a  orders  orders/0,1  2026-01-02T03:04:05.000Z',
        'member-b  orders  orders/2,3  2026-01-02T03:04:05.000Z',
        '',
        'TOPIC   PARTITION  COMMITTED  POSITION  HIGH-WATERMARK  LAG',
        'orders  0          10         10        10              0',
        'orders  1          4          4         10              6',
        'orders  2          7          7         10              3',
        'orders  3          -          0         10              10',
        '',
        'Total lag: 19',
        '',
      ].join('\n'),
    );
  });

  test('describe names the members\' clients when they gave one: a Kafka member with the host it connected from', async () => {
    const f = await describedGroup();
    f.group('billing').members.get('member-a')!.clientId = 'billing-kafka';
    f.group('billing').members.get('member-a')!.clientHost = '10.0.0.7:51234';
    const r = await run(['--url', f.url, 'groups', 'describe', 'billing']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^MEMBER +TOPICS +ASSIGNMENT +LEASE-EXPIRES +CLIENT$/m);
    assert.match(r.stdout, /^member-a +orders +orders\/0,1 +2026-01-02T03:04:05.000Z +billing-kafka \(kafka 10.0.0.7:51234\)$/m);
    assert.match(r.stdout, /^member-b +orders +orders\/2,3 +2026-01-02T03:04:05.000Z +-$/m);
  });

  test('describe --json prints the description as the API answers it', async () => {
    const f = await describedGroup();
    const r = await run(['--url', f.url, 'groups', 'describe', 'billing', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout);
    assert.equal(body.totalLag, 19);
    assert.deepEqual(
      body.memberDetails.map((m: { memberId: string; assignment: unknown }) => [m.memberId, m.assignment]),
      [
        ['member-b', [{ topic: 'orders', partitions: [2, 3] }]],
        ['member-a', [{ topic: 'orders', partitions: [0, 1] }]],
      ],
    );
    assert.equal(body.partitions.length, 4);
  });

  test('offsets prints positions with the log start offset, asking for one topic with --topic', async () => {
    const f = await describedGroup();
    const r = await run(['--url', f.url, 'groups', 'offsets', 'billing', '--topic', 'orders']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'TOPIC   PARTITION  COMMITTED  POSITION  LOG-START-OFFSET  HIGH-WATERMARK  LAG',
        'orders  0          10         10        0                 10              0',
        'orders  1          4          4         0                 10              6',
        'orders  2          7          7         0                 10              3',
        'orders  3          -          0         0                 10              10',
        '',
        'Total lag: 19 (reset policy earliest)',
        '',
      ].join('\n'),
    );
    assert.equal(f.requests.at(-1)?.query.get('topic'), 'orders');
  });

  test('a group that does not exist is GROUP_NOT_FOUND, exit 1', async () => {
    const f = await groupFake();
    const r = await run(['--url', f.url, 'groups', 'describe', 'nobody']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "error: GROUP_NOT_FOUND: Group 'nobody' does not exist\n");
  });
});

describe('sluice consume --group', { concurrency: true }, () => {
  test('joins, prints its partitions from the group offsets, commits past what it printed, leaves, and notes it on stderr', async () => {
    const f = await groupFake();
    f.createTopic('orders', 2);
    f.append('orders', 0, 3);
    f.append('orders', 1, 2);
    f.group('billing', { resetPolicy: 'earliest' }).committed.set('orders#0', 1);
    const r = await run(['--url', f.url, 'consume', 'orders', '--group', 'billing', '--reset', 'earliest', '--session-timeout-ms', '3000', '--client-id', 'cli', '--assignor', 'range']);
    assert.equal(r.code, 0, r.stderr);
    // In offset order within a partition; the two partitions' fetches race, so not across them (as in Kafka).
    const lines = r.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.filter((l) => l.startsWith('p0-')), ['p0-1', 'p0-2']);
    assert.deepEqual(lines.filter((l) => l.startsWith('p1-')), ['p1-0', 'p1-1']);
    assert.equal(lines.length, 4);
    const join = f.requests.find((q) => q.method === 'POST' && q.path === '/v1/groups/billing/members');
    assert.deepEqual(join?.body, { topics: ['orders'], sessionTimeoutMs: 3000, resetPolicy: 'earliest', assignor: 'range', clientId: 'cli' });
    assert.deepEqual(f.commits('billing').at(-1)?.body, {
      memberId: 'cli-1',
      generation: 1,
      offsets: [
        { topic: 'orders', partition: 0, offset: 3 },
        { topic: 'orders', partition: 1, offset: 2 },
      ],
    });
    assert.deepEqual([f.requests.at(-1)?.method, f.requests.at(-1)?.path], ['DELETE', '/v1/groups/billing/members/cli-1']);
    assert.equal(r.stderr, 'joined billing as cli-1, generation 1, partitions orders/0,1\nleft billing (cli-1) after 4 records\n');
  });

  test('--json prints records as plain consume does, and notes as JSON on stderr', async () => {
    const f = await groupFake();
    f.createTopic('orders', 1);
    f.append('orders', 0, 1);
    const r = await run(['--url', f.url, '--json', 'consume', 'orders', '--group', 'g', '--reset', 'earliest']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { topic: 'orders', partition: 0, offset: 0, timestamp: 1, key: null, value: 'p0-0', headers: [] });
    assert.deepEqual(r.stderr.trimEnd().split('\n').map((l) => Object.keys(JSON.parse(l))), [['note'], ['note']]);
  });

  test('--follow keeps printing new records, and on SIGINT commits what it printed, leaves and exits 0', async () => {
    const f = await groupFake();
    f.createTopic('orders', 1);
    f.append('orders', 0, 1);
    const r = await run(['--url', f.url, 'consume', 'orders', '--group', 'g', '--reset', 'earliest', '--follow', '--commit-interval-ms', '60000'], {
      drive: async (child, output) => {
        await until(() => output.stdout() === 'p0-0\n', 'the existing record');
        f.append('orders', 0, 1);
        await until(() => output.stdout() === 'p0-0\np0-1\n', 'the new record');
        child.kill('SIGINT');
      },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(f.groups.get('g')!.committed.get('orders#0'), 2);
    assert.deepEqual(f.memberIds('g'), []);
    assert.match(r.stderr, /^left g \(member-1\) after 2 records$/m);
  });

  test('--max-records stops after that many records and commits exactly past them', async () => {
    const f = await groupFake();
    f.createTopic('orders', 1);
    f.append('orders', 0, 10);
    const r = await run(['--url', f.url, 'consume', 'orders', '--group', 'g', '--reset', 'earliest', '--max-records', '4']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'p0-0\np0-1\np0-2\np0-3\n');
    assert.equal(f.groups.get('g')!.committed.get('orders#0'), 4);
  });

  for (const args of [
    ['--partition', '0'],
    ['--from', 'latest'],
    ['--poll-interval-ms', '5'],
  ]) {
    test(`--group with ${args[0]} is a usage error, exit 2, without calling the API`, async () => {
      const f = await groupFake();
      const r = await run(['--url', f.url, 'consume', 'orders', '--group', 'g', ...args]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`option '--group <group>' cannot be used with option '${args[0]}`));
      assert.equal(f.requests.length, 0);
    });
  }

  for (const args of [
    ['--session-timeout-ms', '3000'],
    ['--reset', 'earliest'],
    ['--commit-interval-ms', '10'],
    ['--assignor', 'range'],
    ['--client-id', 'x'],
  ]) {
    test(`${args[0]} without --group is a usage error, exit 2`, async () => {
      const f = await groupFake();
      const r = await run(['--url', f.url, 'consume', 'orders', ...args]);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `error: option '${args[0]}' needs --group\n`);
      assert.equal(f.requests.length, 0);
    });
  }

  test('--reset accepts only earliest or latest', async () => {
    const f = await groupFake();
    const r = await run(['--url', f.url, 'consume', 'orders', '--group', 'g', '--reset', 'sideways']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Allowed choices are earliest, latest/);
  });

  test('a topic that does not exist is TOPIC_NOT_FOUND, exit 1, before joining', async () => {
    const f = await groupFake();
    const r = await run(['--url', f.url, 'consume', 'missing', '--group', 'g']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: TOPIC_NOT_FOUND: /);
    assert.equal(f.requests.filter((q) => q.path.startsWith('/v1/groups')).length, 0);
  });
});
