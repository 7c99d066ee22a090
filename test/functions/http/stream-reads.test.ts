import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { lambdaContext } from '../../../infra/local/lambda-context';
import { SseParser } from '../../../lib/protocol/live';
import type { LambdaStreamingRuntime, ResponsePrelude } from '../../../functions/middleware/response-streaming';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * The live-read function behind the response-streaming function URL
 * (functions/http/stream-reads.ts), invoked as Lambda's Node.js runtime invokes it: a
 * function-URL event (payload 2.0 with `$default` as its route), a response stream (a
 * Writable), and `awslambda` standing in for the runtime's global, which writes the
 * HTTP prelude as the runtime does (its JSON, then 8 NUL bytes) before the body. The data
 * comes from the real local platform; bearer tokens stand for the callers.
 */
process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,reader=t-reader,nobody=t-nobody';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';
process.env.SLUICE_LIVE_HEARTBEAT_MS = '300';
process.env.SLUICE_LIVE_MAX_DURATION_MS = '2000';

const DELIMITER = Buffer.alloc(8);
const runtime: LambdaStreamingRuntime = {
  streamifyResponse: (handler) => handler,
  HttpResponseStream: {
    from(stream: Writable, prelude: ResponsePrelude): Writable {
      stream.write(JSON.stringify(prelude));
      stream.write(DELIMITER);
      return stream;
    },
  },
};
(globalThis as unknown as { awslambda: LambdaStreamingRuntime }).awslambda = runtime;
const { handler, STREAM_ROUTES } = await import('../../../functions/http/stream-reads');
const invoke = handler as unknown as (event: APIGatewayProxyEventV2, stream: Writable, context: unknown) => Promise<void>;

const TOPIC = 'streamed';
let env: TestPlatform;

/** What a client of the function URL would receive: the bytes, split at the runtime's delimiter into prelude and body. */
class ResponseStream extends Writable {
  readonly chunks: Buffer[] = [];
  /** Called on each write, with the body so far. */
  onBody?: (body: string) => void;

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    this.onBody?.(this.body());
    callback();
  }

  private split(): { prelude: string; body: string } {
    const all = Buffer.concat(this.chunks);
    const at = all.indexOf(DELIMITER);
    if (at < 0) return { prelude: all.toString('utf8'), body: '' };
    return { prelude: all.subarray(0, at).toString('utf8'), body: all.subarray(at + DELIMITER.length).toString('utf8') };
  }

  prelude(): ResponsePrelude {
    return JSON.parse(this.split().prelude) as ResponsePrelude;
  }

  body(): string {
    return this.split().body;
  }
}

/** A function URL's event: payload format 2.0, one `$default` route, no path parameters. */
function functionUrlEvent(method: string, path: string, query: Record<string, string>, headers: Record<string, string>): APIGatewayProxyEventV2 {
  const rawQueryString = new URLSearchParams(query).toString();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString,
    headers: { host: 'abc123.lambda-url.us-east-1.on.aws', ...headers },
    ...(rawQueryString ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abc123',
      domainName: 'abc123.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'test' },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: '$default',
      stage: '$default',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
}

const recordsPath = (partition = 0) => `/v1/topics/${TOPIC}/partitions/${partition}/records`;

async function send(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(env.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function run(event: APIGatewayProxyEventV2, stream = new ResponseStream()): { stream: ResponseStream; done: Promise<void> } {
  return { stream, done: invoke(event, stream, lambdaContext('stream-reads', 90, event.requestContext.requestId)) };
}

before(async () => {
  env = await startTestPlatform({ kafkaPort: null });
  assert.equal((await send('t-admin', 'POST', '/v1/topics', { name: TOPIC, partitions: 1 })).status, 201);
  assert.equal((await send('t-admin', 'POST', '/v1/acls', { principal: 'reader', resourceType: 'TOPIC', resourceName: TOPIC, operation: 'READ', permission: 'ALLOW' })).status, 201);
  assert.equal((await send('t-admin', 'POST', `/v1/topics/${TOPIC}/records`, { records: ['a', 'b', 'c'].map((value) => ({ value, partition: 0 })) })).status, 200);
});

after(async () => {
  await env?.stop();
});

describe('stream-reads (the live-read function URL)', () => {
  it('routes reads of the records path and of Durable Streams, and nothing else', () => {
    assert.deepEqual(
      STREAM_ROUTES.map((route) => [route.path, route.methods]),
      [
        ['/v1/topics/{topic}/partitions/{partition}/records', ['GET']],
        ['/ds/{proxy+}', ['GET']],
      ],
    );
  });

  it('streams a live read as server-sent events: status and headers first, then each event, ending with `end`', async () => {
    const started = Date.now();
    const { stream, done } = run(functionUrlEvent('GET', recordsPath(), { live: 'sse', offset: '1', encoding: 'utf8' }, { authorization: 'Bearer t-reader' }));
    let produced = false;
    stream.onBody = (body) => {
      // Once the first event is out, a record produced now must arrive on the same stream.
      if (!produced && body.includes('event: records')) {
        produced = true;
        void send('t-admin', 'POST', `/v1/topics/${TOPIC}/records`, { records: [{ value: 'd', partition: 0 }] });
      }
    };
    await done;
    assert.ok(Date.now() - started < 5_000, 'the stream ends itself at SLUICE_LIVE_MAX_DURATION_MS');
    assert.ok(stream.writableFinished, 'the response stream is ended');
    const prelude = stream.prelude();
    assert.equal(prelude.statusCode, 200);
    assert.equal(prelude.headers?.['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(prelude.headers?.['cache-control'], 'no-store');
    const body = stream.body();
    assert.ok(body.startsWith('retry: 1000\n\n'), body);
    const events = new SseParser().push(body);
    const records = events.filter((event) => event.event === 'records').map((event) => JSON.parse(event.data) as { records: { offset: number; value: string }[]; nextOffset: number });
    assert.deepEqual(
      records.flatMap((answer) => answer.records.map((record) => [record.offset, record.value])),
      [
        [1, 'b'],
        [2, 'c'],
        [3, 'd'],
      ],
    );
    assert.deepEqual(
      events.filter((event) => event.event === 'records').map((event) => event.lastEventId),
      records.map((answer) => String(answer.nextOffset)),
    );
    const last = events.at(-1)!;
    assert.equal(last.event, 'end');
    assert.deepEqual(JSON.parse(last.data), { reason: 'max-duration', nextOffset: 4 });
    assert.match(body, /^: keep-alive$/m);
  });

  it('resumes after Last-Event-ID', async () => {
    const { stream, done } = run(functionUrlEvent('GET', recordsPath(), { live: 'sse', encoding: 'utf8' }, { authorization: 'Bearer t-reader', 'last-event-id': '3' }));
    await done;
    const first = new SseParser().push(stream.body()).find((event) => event.event === 'records')!;
    const answer = JSON.parse(first.data) as { records: { offset: number; value: string }[] };
    assert.deepEqual(answer.records.map((record) => [record.offset, record.value]), [[3, 'd']]);
  });

  it('answers a read without live=sse with the ordinary JSON fetch', async () => {
    const { stream, done } = run(functionUrlEvent('GET', recordsPath(), { offset: '0', maxRecords: '2', encoding: 'utf8' }, { authorization: 'Bearer t-reader' }));
    await done;
    assert.equal(stream.prelude().statusCode, 200);
    assert.equal(stream.prelude().headers?.['content-type'], 'application/json');
    const answer = JSON.parse(stream.body()) as { records: { value: string }[]; nextOffset: number };
    assert.deepEqual(answer.records.map((record) => record.value), ['a', 'b']);
    assert.equal(answer.nextOffset, 2);
  });

  it('answers errors in the API shape: 403 for a caller without READ, 401 without credentials, 404 and 405 for other routes', async () => {
    const expectations: [APIGatewayProxyEventV2, number, string][] = [
      [functionUrlEvent('GET', recordsPath(), { live: 'sse' }, { authorization: 'Bearer t-nobody' }), 403, 'ACCESS_DENIED'],
      [functionUrlEvent('GET', recordsPath(), { live: 'sse' }, {}), 401, 'UNAUTHENTICATED'],
      [functionUrlEvent('GET', recordsPath(7), { live: 'sse' }, { authorization: 'Bearer t-reader' }), 404, 'PARTITION_NOT_FOUND'],
      [functionUrlEvent('GET', '/v1/topics', {}, { authorization: 'Bearer t-reader' }), 404, 'ROUTE_NOT_FOUND'],
      [functionUrlEvent('POST', recordsPath(), {}, { authorization: 'Bearer t-reader' }), 405, 'METHOD_NOT_ALLOWED'],
      [functionUrlEvent('GET', recordsPath(), { live: 'sse' }, { authorization: 'Bearer t-reader', 'last-event-id': 'x' }), 400, 'INVALID_REQUEST'],
    ];
    for (const [event, status, code] of expectations) {
      const { stream, done } = run(event);
      await done;
      assert.equal(stream.prelude().statusCode, status, `${event.requestContext.http.method} ${event.rawPath}: ${stream.body()}`);
      assert.equal((JSON.parse(stream.body()) as { error: { code: string } }).error.code, code);
    }
  });

  it('stops reading when the response stream breaks (the client went away), long before the stream would end', async () => {
    process.env.SLUICE_LIVE_MAX_DURATION_MS = '20000';
    try {
      const stream = new ResponseStream();
      const started = Date.now();
      const { done } = run(functionUrlEvent('GET', recordsPath(), { live: 'sse' }, { authorization: 'Bearer t-reader' }), stream);
      await new Promise<void>((resolve) => {
        stream.onBody = (body) => {
          if (body.includes('event: records')) resolve();
        };
      });
      stream.destroy(new Error('client disconnected'));
      await done.catch(() => undefined);
      assert.ok(Date.now() - started < 3_000, `the live read stopped ${Date.now() - started} ms after it began, not at its 20 s end`);
      assert.doesNotMatch(stream.body(), /event: end/);
    } finally {
      process.env.SLUICE_LIVE_MAX_DURATION_MS = '2000';
    }
  });
});
