/**
 * A web page on another origin uses the HTTP API from a real browser (headless Chromium,
 * the Debian package, driven by playwright-core): the local platform runs with token auth
 * and SLUICE_CORS_ORIGINS naming the page's origin, and the page's own script creates a
 * topic, produces, fetches the records back and reads them live over server-sent events,
 * with `Authorization: Bearer` on every fetch. A page from an origin not allowed has its
 * fetches rejected by the browser, and nothing it sent changes anything.
 *
 * Skipped when chromium is missing, except under CI (.ci/run installs it), where that fails.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestPlatform, type TestPlatform } from '../support/local-platform';

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path): path is string => !!path && existsSync(path));
if (!CHROMIUM && process.env.CI) throw new Error('chromium is not installed: .ci/run installs it with apt-get (or set CHROMIUM_PATH)');

const TOKEN = 't-browser';
process.env.SLUICE_AUTH_MODE = 'token';
process.env.SLUICE_AUTH_TOKENS = `browser=${TOKEN}`;
process.env.SLUICE_ADMIN_PRINCIPALS = 'browser';

/**
 * The page: its script is what a web app would run, with nothing but fetch(). Each function
 * answers what it saw (statuses, bodies, an exposed header) for the test to check.
 */
const PAGE = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>Sluice from another origin</title></head>
<body>
<script>
async function call(api, token, method, path, body) {
  const headers = { authorization: 'Bearer ' + token };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(api + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, requestId: response.headers.get('apigw-requestid') };
}

window.roundTrip = async (api, token, topic) => {
  const created = await call(api, token, 'POST', '/v1/topics', { name: topic, partitions: 1 });
  const produced = await call(api, token, 'POST', '/v1/topics/' + topic + '/records', { records: [{ key: 'k1', value: 'hello' }, { key: 'k2', value: 'from a page' }] });
  const fetched = await call(api, token, 'GET', '/v1/topics/' + topic + '/partitions/0/records?offset=0&encoding=utf8');
  const missing = await call(api, token, 'GET', '/v1/topics/no-such-topic-' + topic);
  return { created, produced, fetched, missing };
};

// A live read with fetch streaming: events until one carries records, then the page hangs up.
window.liveRead = async (api, token, topic) => {
  const controller = new AbortController();
  const response = await fetch(api + '/v1/topics/' + topic + '/partitions/0/records?live=sse&offset=0&encoding=utf8', {
    headers: { authorization: 'Bearer ' + token, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    for (const block of buffered.split('\\n\\n').slice(0, -1)) {
      const lines = block.split('\\n');
      const event = lines.find((line) => line.startsWith('event: '));
      const data = lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\\n');
      const id = lines.find((line) => line.startsWith('id: '));
      if (event === 'event: records' && JSON.parse(data).records.length > 0) {
        controller.abort();
        return { status: response.status, contentType: response.headers.get('content-type'), id: id && id.slice(4), answer: JSON.parse(data) };
      }
    }
  }
  return { status: response.status, ended: true };
};

// A Durable Streams round trip: create, append, read back; the protocol's answers are in headers the page may read only if they are exposed.
window.streamRoundTrip = async (api, token, path) => {
  const auth = { authorization: 'Bearer ' + token };
  const url = api + '/ds/' + path;
  const created = await fetch(url, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ said: 'hello' }) });
  const appended = await fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify([{ said: 'from' }, { said: 'a page' }]) });
  const read = await fetch(url + '?offset=-1', { headers: auth });
  return {
    created: created.status,
    appended: appended.status,
    appendedOffset: appended.headers.get('stream-next-offset'),
    read: read.status,
    upToDate: read.headers.get('stream-up-to-date'),
    nextOffset: read.headers.get('stream-next-offset'),
    messages: await read.json(),
  };
};

// What a page learns when the browser refuses it: the fetch rejects, with no status at all.
window.tryCall = async (api, token, method, path, body) => {
  try {
    return { answered: await call(api, token, method, path, body) };
  } catch (error) {
    return { rejected: error.name + ': ' + error.message };
  }
};
</script>
</body>
</html>`;

/** The functions the page's script defines on `window` (`globalThis` in page.evaluate, which runs in the page). */
interface Answer {
  status: number;
  body: any;
  requestId: string | null;
}
interface PageScript {
  roundTrip(api: string, token: string, topic: string): Promise<{ created: Answer; produced: Answer; fetched: Answer; missing: Answer }>;
  liveRead(api: string, token: string, topic: string): Promise<{ status: number; contentType: string; id: string; answer: any; ended?: true }>;
  tryCall(api: string, token: string, method: string, path: string, body?: unknown): Promise<{ answered?: Answer; rejected?: string }>;
  streamRoundTrip(
    api: string,
    token: string,
    path: string,
  ): Promise<{ created: number; appended: number; appendedOffset: string | null; read: number; upToDate: string | null; nextOffset: string | null; messages: unknown[] }>;
}

/** A static server for the page: its origin is `http://127.0.0.1:<port>`, another origin than the API's port. */
async function servePage(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

describe('the HTTP API from a page on another origin, in headless Chromium', { skip: CHROMIUM ? false : 'chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)' }, () => {
  let env: TestPlatform;
  let browser: Browser;
  let allowed: { server: Server; origin: string };
  let other: { server: Server; origin: string };

  async function pageAt(origin: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    return page;
  }

  before(async () => {
    allowed = await servePage();
    other = await servePage();
    env = await startTestPlatform({ kafkaPort: null, config: { corsOrigins: [allowed.origin] } });
    // Running as root (CI containers) needs --no-sandbox.
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    await env?.stop();
    for (const page of [allowed, other]) await new Promise<void>((done) => (page ? page.server.close(() => done()) : done()));
  });

  it('creates a topic, produces and reads the records back with a bearer token', async () => {
    const page = await pageAt(allowed.origin);
    const topic = `browser-${Date.now()}`;
    const seen = await page.evaluate(({ api, token, name }) => (globalThis as unknown as PageScript).roundTrip(api, token, name), { api: env.url, token: TOKEN, name: topic });
    assert.equal(seen.created.status, 201);
    assert.equal(seen.produced.status, 200, JSON.stringify(seen.produced.body));
    assert.equal(seen.fetched.status, 200);
    assert.deepEqual(
      seen.fetched.body.records.map((record: { offset: number; key: string; value: string }) => [record.offset, record.key, record.value]),
      [
        [0, 'k1', 'hello'],
        [1, 'k2', 'from a page'],
      ],
    );
    // An exposed header is readable by the page's script.
    assert.match(seen.fetched.requestId ?? 'none', /^[0-9a-f-]{36}$/);
    // Error answers carry the CORS headers too: the page reads the API's error body.
    assert.equal(seen.missing.status, 404);
    assert.equal(seen.missing.body.error.code, 'TOPIC_NOT_FOUND');
    await page.close();
  });

  it('reads the records live over server-sent events with fetch streaming', async () => {
    const page = await pageAt(allowed.origin);
    const topic = `browser-live-${Date.now()}`;
    await page.evaluate(({ api, token, name }) => (globalThis as unknown as PageScript).roundTrip(api, token, name), { api: env.url, token: TOKEN, name: topic });
    const live = await page.evaluate(({ api, token, name }) => (globalThis as unknown as PageScript).liveRead(api, token, name), { api: env.url, token: TOKEN, name: topic });
    assert.equal(live.status, 200);
    assert.match(live.contentType, /^text\/event-stream/);
    assert.equal(live.id, '2');
    assert.deepEqual(
      live.answer.records.map((record: { value: string }) => record.value),
      ['hello', 'from a page'],
    );
    await page.close();
  });

  it('creates a Durable Streams stream, appends and reads it back, seeing the protocol headers', async () => {
    const page = await pageAt(allowed.origin);
    const path = `browser/chat-${Date.now()}`;
    const seen = await page.evaluate(({ api, token, name }) => (globalThis as unknown as PageScript).streamRoundTrip(api, token, name), { api: env.url, token: TOKEN, name: path });
    assert.deepEqual(seen, {
      created: 201,
      appended: 204,
      appendedOffset: '0000000000000003',
      read: 200,
      upToDate: 'true',
      nextOffset: '0000000000000003',
      messages: [{ said: 'hello' }, { said: 'from' }, { said: 'a page' }],
    });
  });

  it('is refused by the browser for a page on an origin not allowed, and nothing is written', async () => {
    const page = await pageAt(other.origin);
    const topic = `refused-${Date.now()}`;
    const create = await page.evaluate(({ api, token, name }) => (globalThis as unknown as PageScript).tryCall(api, token, 'POST', '/v1/topics', { name, partitions: 1 }), { api: env.url, token: TOKEN, name: topic });
    assert.match(create.rejected ?? `answered ${JSON.stringify(create.answered)}`, /^TypeError: Failed to fetch/);
    const list = await page.evaluate(({ api, token }) => (globalThis as unknown as PageScript).tryCall(api, token, 'GET', '/v1/topics'), { api: env.url, token: TOKEN });
    assert.match(list.rejected ?? `answered ${JSON.stringify(list.answered)}`, /^TypeError: Failed to fetch/);
    // The preflight failed, so the POST was never sent.
    const described = await fetch(`${env.url}/v1/topics/${topic}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(described.status, 404);
    await page.close();
  });
});
