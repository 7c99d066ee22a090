import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it, mock } from 'node:test';
import { z } from 'zod/mini';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { httpErrors, json, jsonBody, jsonWith, withSecurityHeaders, type HttpEvent, type HttpResult, type StreamingHttpResult } from '../../../functions/middleware/http';
import { logger } from '../../../functions/middleware/observability';
import { LIMITS } from '../../../lib/protocol/limits';
import { MethodNotAllowedError, ValidationError } from '../../../lib/core/errors';

const schema = z.object({ name: z.string() });

function event(body: Buffer | string, headers: Record<string, string>, isBase64Encoded: boolean): HttpEvent {
  const text = typeof body === 'string' ? body : body.toString(isBase64Encoded ? 'base64' : 'utf8');
  return { headers, body: text, isBase64Encoded } as unknown as HttpEvent;
}

describe('jsonWith', () => {
  it('answers the same text as json() with the rendered value in the field\'s place', () => {
    const body = { topic: 'orders', partition: 1, records: [] as unknown[], nextOffset: 3, encoding: 'utf8' };
    const records = [{ offset: 2, value: 'a"b' }];
    assert.deepEqual(jsonWith(200, body, 'records', JSON.stringify(records)), json(200, { ...body, records }));
  });

  it('still answers the right text when another value renders like its placeholder', () => {
    const body = { note: '\u0000records\u0000', records: [] as unknown[] };
    assert.deepEqual(jsonWith(200, body, 'records', '[1,2]'), json(200, { ...body, records: [1, 2] }));
  });
});

describe('jsonBody', () => {
  it('parses a plain JSON body, and one API Gateway base64-encoded', () => {
    assert.deepEqual(jsonBody(event('{"name":"a"}', { 'content-type': 'application/json' }, false), schema), { name: 'a' });
    assert.deepEqual(jsonBody(event(Buffer.from('{"name":"b"}'), { 'content-type': 'application/octet-stream' }, true), schema), { name: 'b' });
  });

  it('decompresses a content-encoding: gzip body that arrived as binary (base64)', () => {
    const body = gzipSync(Buffer.from(JSON.stringify({ name: 'zipped' })));
    assert.deepEqual(jsonBody(event(body, { 'content-encoding': 'gzip', 'content-type': 'application/octet-stream' }, true), schema), { name: 'zipped' });
  });

  it('refuses a gzip body that is not gzip (or was mangled as text) with 400 naming the body', () => {
    assert.throws(() => jsonBody(event('{"name":"x"}', { 'content-encoding': 'gzip' }, false), schema), { code: 'INVALID_REQUEST', status: 400, details: { field: 'body' } });
  });

  it('refuses a body that decompresses past the body limit with 413, however small it was compressed', () => {
    const bomb = gzipSync(Buffer.alloc(LIMITS.requestBodyMaxBytes + 10, 0x20));
    assert.ok(bomb.length < 64 * 1024);
    assert.throws(() => jsonBody(event(bomb, { 'content-encoding': 'gzip' }, true), schema), { code: 'PAYLOAD_TOO_LARGE', status: 413, details: { field: 'body', limit: LIMITS.requestBodyMaxBytes } });
  });

  it('refuses a content coding other than gzip or identity with 415 naming the header', () => {
    assert.throws(() => jsonBody(event('x', { 'content-encoding': 'br' }, true), schema), { code: 'UNSUPPORTED_CONTENT_ENCODING', status: 415, details: { field: 'content-encoding', supported: ['gzip', 'identity'] } });
    assert.deepEqual(jsonBody(event('{"name":"c"}', { 'content-encoding': 'identity' }, false), schema), { name: 'c' });
  });
});

describe('httpErrors', () => {
  type Logged = { level: 'warn' | 'error'; message: unknown; fields: any };
  async function answer(error: Error): Promise<{ status: number; body: { error: { code: string; retriable: boolean } }; logged: Logged[] }> {
    const request = { error, response: undefined as HttpResult | undefined } as unknown as Parameters<NonNullable<ReturnType<typeof httpErrors>['onError']>>[0];
    const logged: Logged[] = [];
    const warn = mock.method(logger, 'warn', (message: unknown, fields: unknown) => void logged.push({ level: 'warn', message, fields }));
    const error_ = mock.method(logger, 'error', (message: unknown, fields: unknown) => void logged.push({ level: 'error', message, fields }));
    try {
      await httpErrors().onError!(request);
    } finally {
      warn.mock.restore();
      error_.mock.restore();
    }
    const response = (request as unknown as { response: { statusCode: number; body: string } }).response;
    return { status: response.statusCode, body: JSON.parse(response.body), logged };
  }

  it('logs an unexpected error through the Powertools logger at ERROR, a storage failure at WARN, and a SluiceError not at all', async () => {
    const bug = await answer(new TypeError('a bug'));
    assert.deepEqual(bug.logged.map(({ level, message }) => [level, message]), [['error', 'unhandled error']]);
    assert.equal(bug.logged[0]!.fields.error, 'TypeError: a bug');
    assert.match(bug.logged[0]!.fields.stack, /TypeError: a bug/);
    const busy = await answer(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    assert.deepEqual(busy.logged.map(({ level, message }) => [level, message]), [['warn', 'storage busy or unreachable']]);
    const known = await answer(new ValidationError('name: is required', { field: 'name' }));
    assert.equal(known.status, 400);
    assert.deepEqual(known.logged, []);
  });

  it('answers a refused or dropped storage connection, a timeout and a throttle with a retriable 503 SERVICE_BUSY', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    for (const error of [refused, timeout, throttled]) {
      const { status, body } = await answer(error);
      assert.equal(status, 503, error.message);
      assert.equal(body.error.code, 'SERVICE_BUSY');
      assert.equal(body.error.retriable, true);
    }
  });

  it('answers anything else unexpected with a 500 INTERNAL', async () => {
    const { status, body } = await answer(new TypeError('a bug'));
    assert.equal(status, 500);
    assert.equal(body.error.code, 'INTERNAL');
  });
});

describe('the browser security headers', () => {
  const context = {} as Context;
  const secured = { 'x-content-type-options': 'nosniff', 'cross-origin-resource-policy': 'cross-origin' };

  it('are on an answer, keeping the handler\'s own headers', async () => {
    const handler = middy(async (): Promise<HttpResult> => ({ ...json(201, { ok: true }), headers: { 'content-type': 'application/json', location: '/x' } })).use(httpErrors());
    const answer = (await handler({} as HttpEvent, context)) as HttpResult;
    assert.equal(answer.statusCode, 201);
    assert.deepEqual(answer.headers, { ...secured, 'content-type': 'application/json', location: '/x' });
  });

  it('are on an error answer, beside Retry-After or Allow', async () => {
    const handler = middy(async (): Promise<HttpResult> => {
      throw new MethodNotAllowedError('PUT', '/v1/topics', ['GET', 'POST']);
    }).use(httpErrors());
    const answer = (await handler({} as HttpEvent, context)) as HttpResult;
    assert.equal(answer.statusCode, 405);
    assert.deepEqual(answer.headers, { ...secured, 'content-type': 'application/json', allow: 'GET, POST' });
  });

  it('are on a streamed answer, whose body still streams', async () => {
    const handler = middy<HttpEvent, HttpResult | StreamingHttpResult>(
      async (): Promise<StreamingHttpResult> => ({ statusCode: 200, headers: { 'content-type': 'text/event-stream' }, stream: async (write) => write('data: 1\n\n') }),
    ).use(httpErrors());
    const answer = (await handler({} as HttpEvent, context)) as StreamingHttpResult;
    assert.deepEqual(answer.headers, { ...secured, 'content-type': 'text/event-stream' });
    const written: string[] = [];
    await answer.stream(async (chunk) => void written.push(chunk), new AbortController().signal);
    assert.deepEqual(written, ['data: 1\n\n']);
  });

  it('leave a handler\'s own value of the same header alone', () => {
    assert.deepEqual(withSecurityHeaders({ statusCode: 200, headers: { 'cross-origin-resource-policy': 'same-site' } }).headers, {
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'same-site',
    });
  });
});
