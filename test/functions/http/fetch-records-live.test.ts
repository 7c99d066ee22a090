import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handler } from '../../../functions/http/fetch-records';
import { toApiGatewayEvent } from '../../../infra/local/api-gateway-event';
import { lambdaContext } from '../../../infra/local/lambda-context';
import { SseParser, type SseMessage } from '../../../lib/protocol/live';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * Live reads (`GET …/records` with `Accept: text/event-stream` or `?live=sse`,
 * functions/http/fetch-records.ts `streamHandler`) on the real local platform, which
 * streams them; and the deployed handler's answer to the same request (501
 * STREAMING_NOT_SUPPORTED, at once). Bearer tokens: `reader` may READ the topic, `nobody` nothing.
 */
process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,reader=t-reader,nobody=t-nobody,metered=t-metered';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';
// Short, so that heartbeats and the end of a stream come within a test.
process.env.SLUICE_LIVE_HEARTBEAT_MS = '300';
process.env.SLUICE_LIVE_MAX_DURATION_MS = '2500';

const TOPIC = 'live';
let env: TestPlatform;

async function send(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(env.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function produce(values: string[], partition = 0): Promise<void> {
  const answer = await send('t-admin', 'POST', `/v1/topics/${TOPIC}/records`, { records: values.map((value) => ({ value, partition })) });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
}

/** An open live read: its events as they come, the raw text so far (comments too), and a way to drop it. */
interface LiveRead {
  response: Response;
  next(timeoutMs?: number): Promise<SseMessage | undefined>;
  text(): string;
  close(): void;
}

async function openLive(token: string, query: string, headers: Record<string, string> = {}, partition = 0): Promise<LiveRead> {
  const controller = new AbortController();
  const response = await fetch(`${env.url}/v1/topics/${TOPIC}/partitions/${partition}/records${query}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const queue: SseMessage[] = [];
  let raw = '';
  let done = false;
  const reader = response.body!.getReader();
  let pending: Promise<void> | undefined;
  const pump = () =>
    (pending ??= reader.read().then(
      (chunk) => {
        pending = undefined;
        if (chunk.done) done = true;
        else {
          const text = decoder.decode(chunk.value, { stream: true });
          raw += text;
          queue.push(...parser.push(text));
        }
      },
      () => {
        pending = undefined;
        done = true;
      },
    ));
  return {
    response,
    async next(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0 && !done) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no event within ${timeoutMs} ms; so far: ${raw}`);
        await Promise.race([pump(), new Promise((resolve) => setTimeout(resolve, left))]);
      }
      return queue.shift();
    },
    text: () => raw,
    close: () => controller.abort(),
  };
}

/** The records of `records` events until `count` records came. */
async function recordsUntil(read: LiveRead, count: number): Promise<{ offsets: number[]; values: string[]; ids: string[] }> {
  const offsets: number[] = [];
  const values: string[] = [];
  const ids: string[] = [];
  while (offsets.length < count) {
    const event = await read.next();
    assert.ok(event, `the stream ended after ${offsets.length} of ${count} records`);
    if (event.event !== 'records') continue;
    const answer = JSON.parse(event.data);
    ids.push(event.lastEventId);
    assert.equal(event.lastEventId, String(answer.nextOffset), 'each event is identified by its nextOffset');
    for (const record of answer.records) {
      offsets.push(record.offset);
      values.push(record.value);
    }
  }
  return { offsets, values, ids };
}

const highWatermark = async () => (await send('t-admin', 'GET', `/v1/topics/${TOPIC}/partitions/0/offsets`)).body.highWatermark as number;

before(async () => {
  env = await startTestPlatform({ kafkaPort: null });
  assert.equal((await send('t-admin', 'POST', '/v1/topics', { name: TOPIC, partitions: 2 })).status, 201);
  assert.equal((await send('t-admin', 'POST', '/v1/acls', { principal: 'reader', resourceType: 'TOPIC', resourceName: TOPIC, operation: 'READ', permission: 'ALLOW' })).status, 201);
  assert.equal((await send('t-admin', 'POST', '/v1/acls', { principal: 'metered', resourceType: 'TOPIC', resourceName: TOPIC, operation: 'READ', permission: 'ALLOW' })).status, 201);
  await produce(['a', 'b', 'c']);
});

after(async () => {
  await env?.stop();
});

describe('a live read on the local platform', () => {
  it('answers an event stream: the position first, then records produced after it opened as events, and an end event before it closes', async () => {
    const start = await highWatermark();
    const read = await openLive('t-reader', `?offset=${start}&encoding=utf8`);
    assert.equal(read.response.status, 200);
    assert.match(read.response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const first = await read.next();
    assert.equal(first?.event, 'records');
    assert.deepEqual(JSON.parse(first!.data), { topic: TOPIC, partition: 0, records: [], nextOffset: start, highWatermark: start, logStartOffset: 0, encoding: 'utf8' });
    await produce(['live-1']);
    await produce(['live-2', 'live-3']);
    const got = await recordsUntil(read, 3);
    assert.deepEqual(got.offsets, [start, start + 1, start + 2]);
    assert.deepEqual(got.values, ['live-1', 'live-2', 'live-3']);
    assert.equal(got.ids.at(-1), String(start + 3));
    // Idle until the stream's time is up: heartbeats, then `end`, then the server closes.
    let event = await read.next();
    while (event?.event === 'records') event = await read.next();
    assert.equal(event?.event, 'end');
    assert.deepEqual(JSON.parse(event!.data), { reason: 'max-duration', nextOffset: start + 3 });
    assert.equal(event!.lastEventId, String(start + 3));
    assert.equal(await read.next(), undefined, 'the connection closes after end');
    assert.match(read.text(), /^retry: 1000\n\n/);
  });

  it('sends a keep-alive comment while idle, then end with the position, and closes', async () => {
    const start = await highWatermark();
    const read = await openLive('t-reader', `?offset=${start}`);
    assert.equal((await read.next())?.event, 'records');
    const end = await read.next();
    assert.equal(end?.event, 'end');
    assert.equal(end!.lastEventId, String(start));
    assert.equal(await read.next(), undefined);
    assert.match(read.text(), /\n\n: keep-alive\n\n/);
  });

  it('answers ?live=sse as Accept: text/event-stream does, and keeps maxRecords per event', async () => {
    const controller = new AbortController();
    const response = await fetch(`${env.url}/v1/topics/${TOPIC}/partitions/0/records?live=sse&offset=0&maxRecords=2`, { headers: { authorization: 'Bearer t-reader' }, signal: controller.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = response.body!.getReader();
    const parser = new SseParser();
    const decoder = new TextDecoder();
    let events: SseMessage[] = [];
    while (events.length === 0) events = parser.push(decoder.decode((await reader.read()).value, { stream: true }));
    controller.abort();
    assert.equal(JSON.parse(events[0]!.data).records.length, 2);
    assert.equal(events[0]!.lastEventId, '2');
  });

  it('resumes from Last-Event-ID (over offset) after a dropped connection: no record twice, none missing', async () => {
    const first = await openLive('t-reader', '?offset=0&maxRecords=2&encoding=utf8');
    const before = await recordsUntil(first, 2);
    first.close();
    await produce(['after-drop-1', 'after-drop-2']);
    const end = await highWatermark();
    const resumed = await openLive('t-reader', '?offset=0&maxRecords=2&encoding=utf8', { 'last-event-id': before.ids.at(-1)! });
    const rest = await recordsUntil(resumed, end - Number(before.ids.at(-1)));
    resumed.close();
    const all = [...before.offsets, ...rest.offsets];
    assert.deepEqual(all, Array.from({ length: end }, (_, i) => i), 'every offset once, in order');
    assert.deepEqual(rest.values.slice(-2), ['after-drop-1', 'after-drop-2']);
  });

  it('refuses a Last-Event-ID that is not an offset with 400 naming the header, and one past the log with 416', async () => {
    for (const id of ['abc', '-1', '1.5', '', '99999999999999999999']) {
      const response = await fetch(`${env.url}/v1/topics/${TOPIC}/partitions/0/records`, { headers: { authorization: 'Bearer t-reader', accept: 'text/event-stream', 'last-event-id': id } });
      assert.equal(response.status, 400, id);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/);
      const body: any = await response.json();
      assert.equal(body.error.code, 'INVALID_REQUEST');
      assert.equal(body.error.field, 'Last-Event-ID', id);
    }
    const past = await fetch(`${env.url}/v1/topics/${TOPIC}/partitions/0/records`, { headers: { authorization: 'Bearer t-reader', accept: 'text/event-stream', 'last-event-id': '100000' } });
    assert.equal(past.status, 416);
    assert.equal(((await past.json()) as any).error.code, 'OFFSET_OUT_OF_RANGE');
  });

  it('ignores Last-Event-ID on an ordinary fetch', async () => {
    const response = await fetch(`${env.url}/v1/topics/${TOPIC}/partitions/0/records?offset=0&maxRecords=1`, { headers: { authorization: 'Bearer t-reader', 'last-event-id': 'abc' } });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as any).records[0].offset, 0);
  });

  it('authorizes as the ordinary fetch: 403 without READ on the topic, 401 without credentials, 404 for a missing partition', async () => {
    const denied = await fetch(`${env.url}/v1/topics/${TOPIC}/partitions/0/records`, { headers: { authorization: 'Bearer t-nobody', accept: 'text/event-stream' } });
    assert.equal(denied.status, 403);
    const body: any = await denied.json();
    assert.equal(body.error.code, 'ACCESS_DENIED');
    assert.equal(body.error.operation, 'READ');
    const anonymous = await fetch(`${env.url}/v1/topics/${TOPIC}/partitions/0/records?live=sse`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    const missing = await fetch(`${env.url}/v1/topics/${TOPIC}/partitions/9/records?live=sse`, { headers: { authorization: 'Bearer t-reader' } });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as any).error.code, 'PARTITION_NOT_FOUND');
  });

  it('refuses live= values other than sse with 400 naming live', async () => {
    const answer = await send('t-reader', 'GET', `/v1/topics/${TOPIC}/partitions/0/records?live=ws`);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.field, 'live');
  });

  it("charges each event's records to the fetch quota; a window they overdraw ends the stream with a QUOTA_EXCEEDED failure event", async () => {
    assert.equal((await send('t-admin', 'PUT', '/v1/quotas', { principal: 'metered', fetchBytesPerSecond: 1 })).status, 200);
    // 1 byte a second is 10 bytes a 10 s window; the first event's records (every one so far) are more.
    const read = await openLive('t-metered', '?offset=0');
    assert.equal(read.response.status, 200);
    const first = await read.next();
    assert.equal(first?.event, 'records');
    assert.ok(JSON.parse(first!.data).records.length > 3);
    const failure = await read.next();
    assert.equal(failure?.event, 'failure');
    const error = JSON.parse(failure!.data).error;
    assert.equal(error.code, 'QUOTA_EXCEEDED');
    assert.equal(error.retriable, true);
    assert.ok(error.retryAfterSeconds >= 1);
    assert.equal(await read.next(), undefined, 'the stream closes after a failure');
    // And the next live read is refused before it opens, as the next fetch would be.
    const refused = await fetch(`${env.url}/v1/topics/${TOPIC}/partitions/0/records?live=sse`, { headers: { authorization: 'Bearer t-metered' } });
    assert.equal(refused.status, 429);
    assert.ok(refused.headers.get('retry-after'));
    await refused.body?.cancel();
  });
});

describe('the deployed handler (API Gateway HTTP API: no streaming)', () => {
  const invoke = async (query: string, headers: Record<string, string>) => {
    const event = toApiGatewayEvent(
      { method: 'GET', url: `/v1/topics/${TOPIC}/partitions/0/records${query}`, headers: { authorization: 'Bearer t-reader', ...headers }, body: Buffer.alloc(0), sourceIp: '127.0.0.1' },
      { routeKey: 'GET /v1/topics/{topic}/partitions/{partition}/records', pathParameters: { topic: TOPIC, partition: '0' } },
      'req-1',
      Date.now(),
    );
    const started = Date.now();
    const result = (await handler(event, lambdaContext('fetch-records', 29, 'req-1'))) as APIGatewayProxyStructuredResultV2;
    return { result, ms: Date.now() - started };
  };

  it('answers a live read at once with 501 STREAMING_NOT_SUPPORTED pointing to waitMs, never holding it', async () => {
    for (const [query, headers] of [
      ['?offset=0', { accept: 'text/event-stream' }],
      ['?live=sse', {}],
      ['', { accept: 'text/event-stream', 'last-event-id': '1' }],
    ] as const) {
      const { result, ms } = await invoke(query, headers);
      assert.equal(result.statusCode, 501, query);
      assert.equal(result.headers?.['content-type'], 'application/json');
      const body = JSON.parse(result.body!);
      assert.equal(body.error.code, 'STREAMING_NOT_SUPPORTED');
      assert.equal(body.error.retriable, false);
      assert.match(body.error.message, /waitMs/);
      assert.ok(ms < 2000, `answered in ${ms} ms`);
    }
  });

  it('still checks the input and the ACLs first, and answers the ordinary fetch as before', async () => {
    assert.equal((await invoke('', { accept: 'text/event-stream', 'last-event-id': 'x' })).result.statusCode, 400);
    assert.equal((await invoke('', { accept: 'text/event-stream', authorization: 'Bearer t-nobody' })).result.statusCode, 403);
    const ordinary = await invoke('?offset=0&maxRecords=1', { accept: 'application/json' });
    assert.equal(ordinary.result.statusCode, 200);
    assert.equal(JSON.parse(ordinary.result.body!).records.length, 1);
  });
});
