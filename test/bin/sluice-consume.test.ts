/**
 * `sluice consume` with the habits of kcat and rpk, through the real CLI against the
 * real local platform: output formats, start and stop positions, several topics,
 * binary-safe JSON, long-polling --follow and the progress display. Requests are
 * counted by a small proxy between the CLI and the platform.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { call, startTestPlatform, type TestPlatform } from '../support/local-platform';

const ROOT = resolve(import.meta.dirname, '../..');
/** Record timestamps: a fixed past time, a second apart, so @time positions are exact. */
const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);
/** "café latin1" in ISO-8859-1: é is the single byte 0xE9, which is not UTF-8. */
const LATIN1 = Buffer.from('café latin1', 'latin1');

let env: TestPlatform;
const children = new Set<ChildProcess>();

before(async () => {
  env = await startTestPlatform();
});

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await env?.stop();
});

interface Run {
  child: ChildProcess;
  stdout: () => Buffer;
  stderr: () => string;
  exited: Promise<number | null>;
}

function start(args: string[], url = env.url): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/sluice.ts', '--url', url, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => stdout.push(d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((done) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      done(code ?? (signal ? -1 : null));
    }),
  );
  return { child, stdout: () => Buffer.concat(stdout), stderr: () => stderr, exited };
}

async function sluice(args: string[], url?: string): Promise<{ code: number | null; stdout: string; bytes: Buffer; stderr: string }> {
  const run = start(args, url);
  const code = await run.exited;
  return { code, stdout: run.stdout().toString('utf8'), bytes: run.stdout(), stderr: run.stderr() };
}

async function until(what: string, probe: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function createTopic(name: string, partitions = 1): Promise<void> {
  const created = await call(env.url, 'POST', '/v1/topics', { name, partitions });
  assert.equal(created.status, 201, JSON.stringify(created.body));
}

interface Produced {
  value: string;
  key?: string;
  partition?: number;
  timestamp?: number;
  headers?: { key: string; value: string }[];
}

async function produce(topic: string, records: Produced[], encoding: 'utf8' | 'base64' = 'utf8'): Promise<void> {
  const produced = await call(env.url, 'POST', `/v1/topics/${topic}/records`, { encoding, records });
  assert.equal(produced.status, 200, JSON.stringify(produced.body));
}

/** `count` records in each of `partitions` partitions, valued p<partition>-<i>, stamped T0 + i seconds. */
async function produceSpread(topic: string, partitions: number, count: number): Promise<void> {
  const records: Produced[] = [];
  for (let p = 0; p < partitions; p++) for (let i = 0; i < count; i++) records.push({ value: `p${p}-${i}`, partition: p, timestamp: T0 + i * 1000 });
  await produce(topic, records);
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l.length > 0);

/** A proxy in front of the platform that remembers every request and whether it was answered yet. */
interface SeenRequest {
  method: string;
  url: URL;
  answered: boolean;
}

async function countingProxy(): Promise<{ url: string; seen: SeenRequest[]; server: Server }> {
  const target = new URL(env.url);
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const entry = { method: req.method ?? '', url: new URL(req.url ?? '/', env.url), answered: false };
    seen.push(entry);
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('end', () => (entry.answered = true));
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const isFetch = (r: SeenRequest): boolean => r.method === 'GET' && /\/partitions\/\d+\/records$/.test(r.url.pathname);

describe('sluice consume output', { concurrency: true }, () => {
  it("--format prints each record by kcat's placeholders and escapes, adding nothing", async () => {
    await createTopic('fmt');
    await produce('fmt', [
      { key: 'k1', value: 'héllo', timestamp: T0, headers: [{ key: 'trace', value: 'abc' }] },
      { value: 'second', timestamp: T0 + 1 },
    ]);
    const r = await sluice(['consume', 'fmt', '-f', '%t|%p|%o|%k|%K|%s|%S|%h|%T\\n']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `fmt|0|0|k1|2|héllo|6|trace=abc|${T0}\nfmt|0|1||-1|second|6||${T0 + 1}\n`);
  });

  it('--print-timestamp, --print-headers and --print-key print those fields before the value, tab-separated', async () => {
    await createTopic('fields');
    await produce('fields', [{ key: 'user-1', value: 'hello', timestamp: T0, headers: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] }]);
    const r = await sluice(['consume', 'fields', '--print-timestamp', '--print-headers', '--print-key']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '2026-12-01T10:00:00.000Z\ta=1,b=2\tuser-1\thello\n');
  });

  it('--print-partition and --print-offset with --key-separator, which prints the key too', async () => {
    await createTopic('fields-sep', 2);
    await produce('fields-sep', [{ key: 'k', value: 'v', partition: 1 }]);
    const r = await sluice(['consume', 'fields-sep', '--print-partition', '--print-offset', '--key-separator', ':']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '1:0:k:v\n');
  });

  it('--format with --json, or with an unknown placeholder, is a usage error (exit 2)', async () => {
    const withJson = await sluice(['--json', 'consume', 'fmt', '-f', '%s\\n']);
    assert.equal(withJson.code, 2);
    assert.equal(JSON.parse(withJson.stderr).error.code, 'USAGE_ERROR');
    const unknown = await sluice(['consume', 'fmt', '-f', '%z']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown placeholder %z/);
  });
});

describe('sluice consume binary safety', { concurrency: true }, () => {
  it('--json prints a value, key or header value that is not UTF-8 as base64 marked "base64", never replaced', async () => {
    await createTopic('binary');
    const latin1 = LATIN1.toString('base64');
    const text = Buffer.from('plain').toString('base64');
    await produce('binary', [{ key: latin1, value: latin1, headers: [{ key: 'raw', value: latin1 }, { key: 'ok', value: text }] }], 'base64');
    const r = await sluice(['--json', 'consume', 'binary']);
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse(r.stdout);
    assert.equal(record.value, latin1);
    assert.equal(record.valueEncoding, 'base64');
    assert.equal(record.key, latin1);
    assert.equal(record.keyEncoding, 'base64');
    assert.deepEqual(record.headers, [
      { key: 'raw', value: latin1, valueEncoding: 'base64' },
      { key: 'ok', value: 'plain' },
    ]);
    assert.ok(!r.stdout.includes('\uFFFD'), 'no replacement character');
  });

  it('text mode writes a value that is not UTF-8 as its own bytes', async () => {
    await createTopic('binary-text');
    await produce('binary-text', [{ value: LATIN1.toString('base64') }], 'base64');
    const r = await sluice(['consume', 'binary-text']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.bytes, Buffer.concat([LATIN1, Buffer.from('\n')]));
  });
});

describe('sluice consume positions', { concurrency: true }, () => {
  it('--from @time starts each partition at the first record at or after it (offsets-for-times)', async () => {
    await createTopic('from-time', 2);
    await produceSpread('from-time', 2, 5);
    const proxy = await countingProxy();
    try {
      const r = await sluice(['consume', 'from-time', '--from', '@2026-12-01T10:00:03Z'], proxy.url);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(lines(r.stdout), ['p0-3', 'p0-4', 'p1-3', 'p1-4']);
      const lookups = proxy.seen.filter((s) => s.url.pathname.endsWith('/offsets') && s.url.searchParams.has('timestamp'));
      assert.deepEqual(lookups.map((s) => [s.url.pathname, s.url.searchParams.get('timestamp')]), [
        ['/v1/topics/from-time/partitions/0/offsets', String(T0 + 3000)],
        ['/v1/topics/from-time/partitions/1/offsets', String(T0 + 3000)],
      ]);
    } finally {
      proxy.server.close();
    }
  });

  it('--from @time after every record prints nothing; @ms since the epoch works as well', async () => {
    await createTopic('from-late');
    await produceSpread('from-late', 1, 3);
    const late = await sluice(['consume', 'from-late', '--from', `@${T0 + 60_000}`]);
    assert.equal(late.code, 0, late.stderr);
    assert.equal(late.stdout, '');
    const ms = await sluice(['consume', 'from-late', '--from', `@${T0 + 1000}`]);
    assert.deepEqual(lines(ms.stdout), ['p0-1', 'p0-2']);
  });

  it('--from -N starts N records before each partition\'s end, and at its start when it holds fewer', async () => {
    await createTopic('from-end', 2);
    await produceSpread('from-end', 1, 5);
    await produce('from-end', [{ value: 'only', partition: 1 }]);
    const r = await sluice(['consume', 'from-end', '--from', '-2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), ['p0-3', 'p0-4', 'only']);
  });

  it("kcat's habits: -c count, and --from end", async () => {
    await createTopic('short', 2);
    await produceSpread('short', 2, 5);
    const r = await sluice(['consume', 'short', '--partition', '1', '--from', '-3', '-c', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), ['p1-2', 'p1-3']);
    const end = await sluice(['consume', 'short', '--from', 'end']);
    assert.equal(end.code, 0, end.stderr);
    assert.equal(end.stdout, '');
  });

  it('--to <offset> stops each partition before that offset', async () => {
    await createTopic('to-offset', 2);
    await produceSpread('to-offset', 2, 5);
    const r = await sluice(['consume', 'to-offset', '--from', '1', '--to', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), ['p0-1', 'p0-2', 'p1-1', 'p1-2']);
  });

  it('--to @time stops each partition at its first record at or after that time', async () => {
    await createTopic('to-time', 2);
    await produceSpread('to-time', 2, 5);
    const r = await sluice(['consume', 'to-time', '--to', '@2026-12-01T10:00:02Z']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), ['p0-0', 'p0-1', 'p1-0', 'p1-1']);
  });

  it('--from and --to that are not positions are usage errors (exit 2)', async () => {
    for (const args of [['--from', '@yesterday'], ['--to', 'latest'], ['--from', 'soon'], ['--group', 'g', '--to', '5']]) {
      const r = await sluice(['consume', 'to-time', ...args]);
      assert.equal(r.code, 2, args.join(' '));
    }
  });
});

describe('sluice consume several topics', { concurrency: true }, () => {
  it('reads topics given as arguments and with -t, each once, in the order given', async () => {
    for (const t of ['multi-a', 'multi-b', 'multi-c']) {
      await createTopic(t);
      await produce(t, [{ value: `${t}-0` }, { value: `${t}-1` }]);
    }
    const r = await sluice(['consume', 'multi-a', 'multi-b', '-t', 'multi-c', '-t', 'multi-a', '-f', '%t %s\\n']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), ['multi-a multi-a-0', 'multi-a multi-a-1', 'multi-b multi-b-0', 'multi-b multi-b-1', 'multi-c multi-c-0', 'multi-c multi-c-1']);
  });

  it('with --group reads every partition of every topic as one member', async () => {
    for (const t of ['gmulti-a', 'gmulti-b']) {
      await createTopic(t, 2);
      await produceSpread(t, 2, 2);
    }
    const r = await sluice(['--json', 'consume', 'gmulti-a', '-t', 'gmulti-b', '--group', 'gmulti', '--reset', 'earliest', '--session-timeout-ms', '3000']);
    assert.equal(r.code, 0, r.stderr);
    const seen = lines(r.stdout).map((l) => {
      const record = JSON.parse(l) as { topic: string; value: string };
      return `${record.topic}:${record.value}`;
    });
    assert.deepEqual(seen.sort(), ['gmulti-a:p0-0', 'gmulti-a:p0-1', 'gmulti-a:p1-0', 'gmulti-a:p1-1', 'gmulti-b:p0-0', 'gmulti-b:p0-1', 'gmulti-b:p1-0', 'gmulti-b:p1-1']);
  });

  it('no topic at all is a usage error (exit 2)', async () => {
    const r = await sluice(['consume', '--from', 'earliest']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /give a topic/);
  });
});

describe('sluice consume --follow', { concurrency: true }, () => {
  it('waits at the tail with one long-poll per partition, not a request a second, and prints what comes', async () => {
    await createTopic('tail', 3);
    await produceSpread('tail', 3, 1);
    const proxy = await countingProxy();
    const run = start(['consume', 'tail', '--follow'], proxy.url);
    try {
      await until('the existing records', () => lines(run.stdout().toString()).length === 3);
      // Caught up: each partition's next fetch asks from its high watermark (1).
      const atTail = (): SeenRequest[] => proxy.seen.filter((s) => isFetch(s) && s.url.searchParams.get('offset') === '1');
      await until('a fetch at the tail of every partition', () => new Set(atTail().map((s) => s.url.pathname)).size === 3);
      // Idle for a while: with a request a second per partition, several more would come.
      await new Promise((r) => setTimeout(r, 3000));
      const idle = atTail();
      assert.equal(idle.length, 3, `fetches at the tail while idle: ${idle.map((s) => s.url.pathname + s.url.search).join(', ')}`);
      for (const s of idle) {
        assert.equal(s.url.searchParams.get('waitMs'), '20000', 'each is a long-poll');
        assert.equal(s.answered, false, 'held open by the server while nothing comes');
      }
      await produce('tail', [{ value: 'new', partition: 2 }]);
      await until('the new record', () => lines(run.stdout().toString()).includes('new'));
      run.child.kill('SIGINT');
      assert.equal(await run.exited, 0, run.stderr());
    } finally {
      run.child.kill('SIGKILL');
      proxy.server.close();
    }
  });

  it('with --to ends by itself once every partition reached its stop, including records produced while it waited', async () => {
    await createTopic('follow-to', 2);
    await produceSpread('follow-to', 2, 1);
    const run = start(['consume', 'follow-to', '--follow', '--to', '2']);
    await until('the existing records', () => lines(run.stdout().toString()).length === 2);
    await produce('follow-to', [{ value: 'p0-1', partition: 0 }, { value: 'p1-1', partition: 1 }, { value: 'p0-2', partition: 0 }]);
    assert.equal(await run.exited, 0, run.stderr());
    assert.deepEqual(lines(run.stdout().toString()).sort(), ['p0-0', 'p0-1', 'p1-0', 'p1-1']);
  });
});

describe('sluice consume progress', { concurrency: true }, () => {
  it('--progress writes records, bytes and the rate to stderr, and its totals at the end', async () => {
    await createTopic('progress');
    await produce('progress', [{ value: 'abc' }, { key: 'kk', value: 'de' }]);
    const r = await sluice(['consume', 'progress', '--progress']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'abc\nde\n');
    assert.match(lines(r.stderr).at(-1)!, /^consume progress: 2 records, 7 B in \d+ s \(\d[\d,]* records\/s, [\d.]+ (B|KiB)\/s\)$/);
  });

  it('is off when stderr is not a terminal and --progress is not given', async () => {
    await createTopic('no-progress');
    await produce('no-progress', [{ value: 'abc' }]);
    const r = await sluice(['consume', 'no-progress']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });
});
