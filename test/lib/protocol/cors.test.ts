import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allowedOriginFor,
  corsAnswerHeaders,
  CORS_ALLOWED_HEADERS,
  CORS_EXPOSED_HEADERS,
  CORS_MAX_AGE_SECONDS,
  isPreflight,
  parseAllowedOrigins,
  preflightHeaders,
} from '../../../lib/protocol/cors';

describe('parseAllowedOrigins', () => {
  it('reads exact origins, trimmed, without duplicates, and none from an empty or unset setting', () => {
    assert.deepEqual(parseAllowedOrigins(' https://app.example.com , http://localhost:5173,https://app.example.com,', 'X'), [
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    assert.deepEqual(parseAllowedOrigins('', 'X'), []);
    assert.deepEqual(parseAllowedOrigins(undefined, 'X'), []);
    assert.deepEqual(parseAllowedOrigins(' , ', 'X'), []);
  });

  it('reads * alone as every origin', () => {
    assert.deepEqual(parseAllowedOrigins('*', 'X'), ['*']);
    assert.deepEqual(parseAllowedOrigins(' * ', 'X'), ['*']);
  });

  it('refuses junk with a message naming the setting and what it expects', () => {
    const refusals: Array<[string, RegExp]> = [
      ['app.example.com', /SLUICE_CORS_ORIGINS: 'app.example.com' is not an origin such as https:\/\/app.example.com/],
      ['https://app.example.com/', /no path, query, credentials or trailing slash/],
      ['https://app.example.com/page', /no path/],
      ['https://app.example.com?x=1', /no path, query/],
      ['https://user@app.example.com', /credentials/],
      ['ftp://app.example.com', /must be http or https/],
      ['null', /is not an origin/],
      ['https://*.example.com', /wildcards in a host are not supported/],
      ['https://App.Example.com', /write 'https:\/\/app.example.com'/],
      ['https://app.example.com:443', /write 'https:\/\/app.example.com'/],
      ['*,https://app.example.com', /'\*' allows every origin and stands alone/],
    ];
    for (const [raw, message] of refusals) {
      assert.throws(() => parseAllowedOrigins(raw, 'SLUICE_CORS_ORIGINS'), message, raw);
    }
  });
});

describe('allowedOriginFor', () => {
  const allowed = ['https://app.example.com'];

  it('echoes an allowed origin, * for any with *, and nothing for others or without an Origin', () => {
    assert.equal(allowedOriginFor(allowed, 'https://app.example.com'), 'https://app.example.com');
    assert.equal(allowedOriginFor(allowed, 'https://evil.example.com'), undefined);
    assert.equal(allowedOriginFor(allowed, 'https://app.example.com.evil.com'), undefined);
    assert.equal(allowedOriginFor(allowed, undefined), undefined);
    assert.equal(allowedOriginFor(['*'], 'https://anyone.example'), '*');
    assert.equal(allowedOriginFor([], 'https://app.example.com'), undefined);
  });
});

describe('isPreflight', () => {
  it('is OPTIONS with an Origin and Access-Control-Request-Method, and nothing else', () => {
    assert.equal(isPreflight('OPTIONS', { origin: 'https://a.example', 'access-control-request-method': 'POST' }), true);
    assert.equal(isPreflight('OPTIONS', { origin: 'https://a.example' }), false);
    assert.equal(isPreflight('OPTIONS', { 'access-control-request-method': 'POST' }), false);
    assert.equal(isPreflight('POST', { origin: 'https://a.example', 'access-control-request-method': 'POST' }), false);
  });
});

describe('the headers', () => {
  it('of a preflight from an allowed origin: the methods, the request headers and the max age', () => {
    const headers = preflightHeaders(['https://app.example.com'], 'https://app.example.com');
    assert.equal(headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(headers.vary, 'origin');
    assert.deepEqual(headers['access-control-allow-methods']!.split(','), ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
    for (const name of ['authorization', 'content-type', 'last-event-id', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'producer-id', 'producer-epoch', 'producer-seq', 'stream-seq', 'stream-ttl', 'if-none-match']) {
      assert.ok(headers['access-control-allow-headers']!.split(',').includes(name), name);
    }
    assert.equal(headers['access-control-max-age'], String(CORS_MAX_AGE_SECONDS));
    assert.equal(headers['access-control-allow-credentials'], undefined);
  });

  it('of a preflight from an origin not allowed: none the browser would accept', () => {
    assert.deepEqual(preflightHeaders(['https://app.example.com'], 'https://evil.example.com'), { vary: 'origin' });
  });

  it('of an answer: the origin, the exposed headers and Vary, or only Vary for an origin not allowed', () => {
    const headers = corsAnswerHeaders(['https://app.example.com'], 'https://app.example.com');
    assert.equal(headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(headers.vary, 'origin');
    for (const name of ['stream-next-offset', 'stream-cursor', 'stream-up-to-date', 'producer-epoch', 'producer-expected-seq', 'etag', 'location', 'retry-after']) {
      assert.ok(headers['access-control-expose-headers']!.split(',').includes(name), name);
    }
    assert.deepEqual(corsAnswerHeaders(['https://app.example.com'], 'https://evil.example.com'), { vary: 'origin' });
    assert.deepEqual(corsAnswerHeaders([], 'https://app.example.com'), {});
  });

  it('with *: no Vary, since the answer is the same for every origin', () => {
    assert.deepEqual(corsAnswerHeaders(['*'], 'https://a.example'), { 'access-control-allow-origin': '*', 'access-control-expose-headers': CORS_EXPOSED_HEADERS.join(',') });
  });

  it('are lower case and listed once, as API Gateway keeps them', () => {
    for (const list of [CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS]) {
      assert.deepEqual([...list], [...new Set(list.map((name) => name.toLowerCase()))]);
    }
  });
});
