/**
 * `sluice produce` with the habits of kcat and rpk, through the real CLI against the
 * real local platform: a whole file as one record, tombstones, keys, values and headers
 * parsed from each line by a format, and the progress display (with a throttle said,
 * through a small proxy that answers one produce call 429).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { call, startTestPlatform, type TestPlatform } from '../support/local-platform';

const ROOT = resolve(import.meta.dirname, '../..');

let env: TestPlatform;
let dir: string;

before(async () => {
  env = await startTestPlatform();
  dir = mkdtempSync(join(tmpdir(), 'sluice-produce-test-'));
});

after(async () => {
  await env?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sluice(args: string[], stdin: string | Buffer = '', url = env.url): Promise<Result> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/sluice.ts', '--url', url, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(stdin);
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

async function createTopic(name: string, partitions = 1): Promise<void> {
  const created = await call(env.url, 'POST', '/v1/topics', { name, partitions });
  assert.equal(created.status, 201, JSON.stringify(created.body));
}

interface Stored {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: number;
}

/** Every record of a partition, decoded. */
async function records(topic: string, partition = 0): Promise<Stored[]> {
  const r = await call(env.url, 'GET', `/v1/topics/${topic}/partitions/${partition}/records?offset=0&encoding=base64`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const decode = (s: string | null): Buffer | null => (s === null ? null : Buffer.from(s, 'base64'));
  return (r.body.records as { key: string | null; value: string | null; headers: { key: string; value: string }[]; timestamp: number }[]).map((x) => ({
    key: decode(x.key),
    value: decode(x.value),
    headers: Object.fromEntries(x.headers.map((h) => [h.key, Buffer.from(h.value, 'base64').toString('utf8')])),
    timestamp: x.timestamp,
  }));
}

const text = (b: Buffer | null): string | null => b?.toString('utf8') ?? null;

describe('sluice produce --file', { concurrency: true }, () => {
  it('sends a whole file as one record, its bytes exactly, with -k and -H', async () => {
    await createTopic('file-one');
    const bytes = Buffer.from([0x00, 0xff, 0x0a, 0x0d, 0x0a, 0xe9, 0x41, 0x0a]); // newlines and non-UTF-8 bytes inside
    const path = join(dir, 'one.bin');
    writeFileSync(path, bytes);
    const r = await sluice(['produce', 'file-one', '--file', path, '-k', 'photo-1', '-H', 'content-type=application/octet-stream']);
    assert.equal(r.code, 0, r.stderr);
    const [record, ...rest] = await records('file-one');
    assert.deepEqual(rest, []);
    assert.deepEqual(record!.value, bytes);
    assert.equal(text(record!.key), 'photo-1');
    assert.deepEqual(record!.headers, { 'content-type': 'application/octet-stream' });
  });

  it('sends each of several files as its own record, in order, and "-" as all of stdin', async () => {
    await createTopic('file-many');
    const a = join(dir, 'a.txt');
    writeFileSync(a, 'first\nfile\n');
    const r = await sluice(['produce', 'file-many', '--file', a, '--file', '-'], 'from\nstdin\n');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      (await records('file-many')).map((x) => text(x.value)),
      ['first\nfile\n', 'from\nstdin\n'],
    );
  });

  it('refuses a file larger than a record may be, before sending anything', async () => {
    await createTopic('file-big');
    const path = join(dir, 'big.bin');
    writeFileSync(path, Buffer.alloc(1024 * 1024 + 1));
    const r = await sluice(['produce', 'file-big', '--file', path]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: INVALID_INPUT: file 1 \(.*big\.bin\): 1048577 bytes or more, larger than a record's value may be \(1048576 bytes\)/);
    assert.deepEqual(await records('file-big'), []);
  });

  it('with values as well is a usage error', async () => {
    const r = await sluice(['produce', 'any', 'v1', '--file', join(dir, 'a.txt')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /give values or --file, not both/);
  });
});

describe('sluice produce tombstones', { concurrency: true }, () => {
  it('-Z with -k and an empty file sends one null value for the key', async () => {
    await createTopic('tomb-file');
    const r = await sluice(['produce', 'tomb-file', '-k', 'user-1', '-Z', '--file', '/dev/null']);
    assert.equal(r.code, 0, r.stderr);
    const stored = await records('tomb-file');
    assert.equal(stored.length, 1);
    assert.equal(text(stored[0]!.key), 'user-1');
    assert.equal(stored[0]!.value, null);
  });

  it('--tombstone (rpk) sends an empty line as null, as -Z does, with -K', async () => {
    await createTopic('tomb-lines');
    const r = await sluice(['produce', 'tomb-lines', '-K', ':', '--tombstone'], 'k1:v1\nk1:\n');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      (await records('tomb-lines')).map((x) => [text(x.key), text(x.value)]),
      [
        ['k1', 'v1'],
        ['k1', null],
      ],
    );
  });
});

describe('sluice produce --format', { concurrency: true }, () => {
  it("splits each line into key and value with '%k\\t%v'; the value keeps later tabs", async () => {
    await createTopic('fmt-kv');
    const r = await sluice(['produce', 'fmt-kv', '-f', '%k\\t%v'], 'k1\tv1\nk2\tv\t2\n');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      (await records('fmt-kv')).map((x) => [text(x.key), text(x.value)]),
      [
        ['k1', 'v1'],
        ['k2', 'v\t2'],
      ],
    );
  });

  it('reads headers, the partition and the timestamp from each line, beside -H headers', async () => {
    await createTopic('fmt-all', 3);
    const input = 'abc;2;1764583200000;k1;hello world\nxyz;1;1764583201000;k2;second\n';
    const r = await sluice(['produce', 'fmt-all', '-f', '%h{trace};%p;%T;%k;%v', '-H', 'source=cli'], input);
    assert.equal(r.code, 0, r.stderr);
    const [p2] = await records('fmt-all', 2);
    const [p1] = await records('fmt-all', 1);
    assert.deepEqual(
      [text(p2!.key), text(p2!.value), p2!.headers, p2!.timestamp],
      ['k1', 'hello world', { source: 'cli', trace: 'abc' }, 1764583200000],
    );
    assert.deepEqual([text(p1!.key), text(p1!.value), p1!.headers.trace, p1!.timestamp], ['k2', 'second', 'xyz', 1764583201000]);
  });

  it('a line that does not match is an error naming it; lines before it are committed, none after', async () => {
    await createTopic('fmt-bad');
    const r = await sluice(['produce', 'fmt-bad', '-f', '%k=%v'], 'a=1\nb=2\nno equals sign\nc=3\n');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: INVALID_INPUT: line 3: does not match --format: no "=" after the key\n/);
    assert.match(r.stderr, /lines 1-2 were committed; nothing from line 3 on was committed/);
    assert.deepEqual(
      (await records('fmt-bad')).map((x) => text(x.value)),
      ['1', '2'],
    );
  });

  it('two placeholders with nothing between them are a usage error', async () => {
    const r = await sluice(['produce', 'any', '-f', '%k%v']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /two placeholders need text between them/);
  });

  it('--format with --key-separator is a usage error', async () => {
    const r = await sluice(['produce', 'any', '-f', '%k %v', '-K', ':']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot be used with/);
  });
});

/** A proxy to the platform that answers the first `throttled` produce calls 429 QUOTA_EXCEEDED, retry after 1 s. */
async function throttlingProxy(throttled: number): Promise<{ url: string; server: Server }> {
  let left = throttled;
  const target = new URL(env.url);
  const server = createServer((req, res) => {
    if (req.method === 'POST' && /\/records$/.test(req.url ?? '') && left > 0) {
      left--;
      req.resume();
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ error: { code: 'QUOTA_EXCEEDED', message: 'past the produce byte rate', retriable: true, retryAfterSeconds: 1 } }));
      return;
    }
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('sluice produce progress', { concurrency: true }, () => {
  it('--progress ends with the records and input bytes committed and the rate, on stderr only', async () => {
    await createTopic('progress-lines');
    const input = Array.from({ length: 500 }, (_, i) => `line-${i}\n`).join('');
    const r = await sluice(['--json', 'produce', 'progress-lines', '--progress'], input);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^produce progress-lines: 500 records, ${(Buffer.byteLength(input) / 1024).toFixed(1)} KiB in \\d+ s \\([\\d,]+ records/s, [\\d.]+ (B|KiB|MiB)/s\\)$`, 'm'));
    assert.equal(JSON.parse(r.stdout).count, 500, 'stdout is the JSON summary alone');
  });

  it('without --progress and with stderr not a terminal, says nothing', async () => {
    await createTopic('progress-off');
    const r = await sluice(['produce', 'progress-off'], 'a\nb\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });

  it('says when a quota throttles the producer, and the records still land', async () => {
    await createTopic('progress-throttled');
    const proxy = await throttlingProxy(1);
    try {
      const r = await sluice(['produce', 'progress-throttled', '--progress'], 'a\nb\nc\n', proxy.url);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^produce progress-throttled: throttled \(QUOTA_EXCEEDED\): retrying in 1 s$/m);
      assert.match(r.stdout, /^Produced 3 records .* \(1 retry\)\.$/m);
      assert.deepEqual(
        (await records('progress-throttled')).map((x) => text(x.value)),
        ['a', 'b', 'c'],
      );
    } finally {
      proxy.server.closeAllConnections();
      proxy.server.close();
    }
  });
});
