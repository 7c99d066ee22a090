import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { SluiceAdmin, SluiceHttpClient } from '../../../lib/client/index';
import { buildConsoleAssets, type ConsoleAssets } from '../../../infra/console/build-console';
import { startConsoleProxy, type ConsoleProxy, type ProxyAuth } from '../../../infra/console/console-proxy';
import { CHROMIUM, CONSOLE_SKIP } from '../../support/console-browser';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * The proxy of `sluice console`, in process: against a local platform with static tokens
 * (the proxy adds the token the browser does not have), and against a recording upstream
 * (what passes, what is refused, what streams).
 */

process.env.SLUICE_AUTH_MODE = 'token';
process.env.SLUICE_AUTH_TOKENS = 'admin=t1';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';

let platform: TestPlatform;
let assets: Promise<ConsoleAssets>;
const proxies: ConsoleProxy[] = [];

/** What the recording upstream saw, and how it answers (set per test). */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
let seen: Seen[] = [];
let answer: (res: ServerResponse, req: Seen) => void = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"topics":[]}');
let upstream: Server;
let upstreamUrl: string;

before(async () => {
  assets = buildConsoleAssets();
  platform = await startTestPlatform({ kafkaPort: null });
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const got = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(got);
      answer(res, got);
    });
  });
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
});

after(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  upstream?.closeAllConnections();
  await new Promise((done) => upstream?.close(done));
  await platform?.stop();
});

async function proxyTo(url: string, auth: ProxyAuth = { kind: 'none' }): Promise<ConsoleProxy> {
  const proxy = await startConsoleProxy({ upstream: url, port: 0, auth, assets: () => assets });
  proxies.push(proxy);
  return proxy;
}

/** A request with exactly these headers (fetch would not let a test set Host). */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end(options.body);
  });
}

describe('the console proxy against a local platform with token auth', () => {
  it('adds the token: GET /v1/topics through it succeeds with no token from the browser', async () => {
    const proxy = await proxyTo(platform.url, { kind: 'token', token: 't1' });
    const direct = await raw(`${platform.url}/v1/topics`);
    assert.equal(direct.status, 401, 'the platform itself refuses a call without a token');
    const through = await raw(`${proxy.url}/v1/topics`);
    assert.equal(through.status, 200, through.body);
    assert.ok(Array.isArray(JSON.parse(through.body).topics));
  });

  it('serves the console, which shows a topic created through the API', { skip: CONSOLE_SKIP, timeout: 60_000 }, async () => {
    const admin = new SluiceAdmin(new SluiceHttpClient({ baseUrl: platform.url, headers: { authorization: 'Bearer t1' } }));
    await admin.createTopic('proxied-orders', { partitions: 2 });
    const proxy = await proxyTo(platform.url, { kind: 'token', token: 't1' });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${proxy.url}/`, { waitUntil: 'networkidle' });
      assert.equal(page.url(), proxy.consoleUrl);
      await page.locator('tr[data-topic="proxied-orders"]').waitFor();
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});

describe('the console proxy passing calls on', () => {
  it("passes the method, path under the API's base path, query and body on, and the answer's status, headers and body back", async () => {
    seen = [];
    answer = (res) => res.writeHead(409, { 'content-type': 'application/json', 'x-sluice-note': 'kept', connection: 'close' }).end('{"error":{"code":"TOPIC_EXISTS"}}');
    const proxy = await proxyTo(`${upstreamUrl}/stage`);
    const r = await raw(`${proxy.url}/v1/topics?limit=2`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{"name":"a"}' });
    assert.equal(r.status, 409);
    assert.equal(r.headers['x-sluice-note'], 'kept');
    assert.equal(r.body, '{"error":{"code":"TOPIC_EXISTS"}}');
    assert.equal(seen.length, 1);
    assert.deepEqual({ method: seen[0]!.method, url: seen[0]!.url, body: seen[0]!.body }, { method: 'POST', url: '/stage/v1/topics?limit=2', body: '{"name":"a"}' });
    assert.equal(seen[0]!.headers['content-type'], 'application/json');
    assert.equal(seen[0]!.headers.host, new URL(upstreamUrl).host, 'the API is sent its own name, not the proxy\'s');
  });

  it("sends the browser's own token on when the proxy adds none (the console's token field)", async () => {
    seen = [];
    answer = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const proxy = await proxyTo(upstreamUrl);
    await raw(`${proxy.url}/v1/topics`, { headers: { authorization: 'Bearer typed-in' } });
    assert.equal(seen[0]?.headers.authorization, 'Bearer typed-in');
  });

  it("replaces the browser's authorization header with the proxy's token", async () => {
    seen = [];
    answer = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const proxy = await proxyTo(upstreamUrl, { kind: 'token', token: 'proxy-token' });
    await raw(`${proxy.url}/v1/topics`, { headers: { authorization: 'Bearer from-the-page' } });
    assert.equal(seen[0]?.headers.authorization, 'Bearer proxy-token');
  });

  it('streams an answer as it comes: the first event arrives before the API ends the stream', { timeout: 20_000 }, async () => {
    let endStream!: () => void;
    const ended = new Promise<void>((done) => (endStream = done));
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('event: records\ndata: {"n":1}\n\n');
      void ended.then(() => res.end('event: end\ndata: {}\n\n'));
    };
    const proxy = await proxyTo(upstreamUrl);
    const response = await fetch(`${proxy.url}/v1/topics/t/partitions/0/records?live=sse`, { headers: { accept: 'text/event-stream' } });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    // Had the proxy buffered the answer, this read would wait for an end that never comes.
    assert.match(first, /^event: records\ndata: \{"n":1\}/);
    endStream();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    assert.match(rest, /event: end/);
  });

  it('ends the call to the API when the browser leaves a stream (a live view closed)', { timeout: 20_000 }, async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((done) => (upstreamClosed = done));
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: records\ndata: {}\n\n');
      res.on('close', () => upstreamClosed());
    };
    const proxy = await proxyTo(upstreamUrl);
    const leaving = new AbortController();
    const response = await fetch(`${proxy.url}/v1/topics/t/partitions/0/records?live=sse`, { signal: leaving.signal });
    await response.body!.getReader().read();
    leaving.abort();
    // Had the proxy kept its own call open, the API's stream would never close and this would time out.
    await closed;
  });

  it('answers 502 UPSTREAM_UNREACHABLE in the API\'s error shape when the API cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as { port: number }).port;
    await new Promise((done) => closed.close(done));
    const proxy = await proxyTo(`http://127.0.0.1:${port}`);
    const r = await raw(`${proxy.url}/v1/topics`);
    assert.equal(r.status, 502);
    assert.equal(JSON.parse(r.body).error.code, 'UPSTREAM_UNREACHABLE');
  });
});

describe('the console proxy refusing requests not from its own pages', () => {
  for (const [what, headers, code] of [
    ['a foreign Host (DNS rebinding)', { host: 'attacker.example:80' }, 'FORBIDDEN_HOST'],
    ['a loopback Host with another port', { host: '127.0.0.1:1' }, 'FORBIDDEN_HOST'],
    ['an Origin of another site', { origin: 'https://attacker.example' }, 'FORBIDDEN_ORIGIN'],
    ['a cross-site request with no Origin (an image tag)', { 'sec-fetch-site': 'cross-site' }, 'FORBIDDEN_ORIGIN'],
  ] as const) {
    it(`refuses ${what} with 403 ${code}, and the API never sees it`, async () => {
      seen = [];
      const proxy = await proxyTo(upstreamUrl, { kind: 'token', token: 'secret' });
      const r = await raw(`${proxy.url}/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"name":"x"}' });
      assert.equal(r.status, 403);
      assert.equal(JSON.parse(r.body).error.code, code);
      assert.equal(seen.length, 0);
    });
  }

  it('answers its own origin under either loopback name', async () => {
    seen = [];
    answer = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const proxy = await proxyTo(upstreamUrl);
    const byName = await raw(`${proxy.url}/v1/topics`, { method: 'POST', headers: { host: `localhost:${proxy.port}`, origin: `http://localhost:${proxy.port}`, 'sec-fetch-site': 'same-origin' }, body: '{}' });
    assert.equal(byName.status, 200);
    assert.equal(seen.length, 1);
  });
});
