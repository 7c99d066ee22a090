import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * Findings of a hostile-input review, each held through the local HTTP layer with ACLs on:
 * bad input is a 4xx in the API's error shape naming the field (and the limit it crossed)
 * and changes nothing; a caller without rights learns nothing from how it is refused.
 */
process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,alice=t-alice,bob=t-bob';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';

let env: TestPlatform;

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function send(token: string | null, method: string, path: string, body?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(env.url + path, { method, headers, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

/** Sends the path exactly as given (fetch would resolve `.` and `..` segments before sending). */
function sendRaw(method: string, path: string, body: string): Promise<Answer> {
  const url = new URL(env.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path, headers: { authorization: 'Bearer t-admin', 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, headers: new Headers(res.headers as Record<string, string>) });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const admin = (method: string, path: string, body?: unknown) => send('t-admin', method, path, body === undefined ? undefined : JSON.stringify(body));

/** A 400 in the error shape whose field (and limit, if given) are as expected. */
function assertInvalid(answer: Answer, field: string, limit?: number | string): void {
  assert.equal(answer.status, 400, JSON.stringify(answer.body));
  assert.equal(answer.body.error.code, 'INVALID_REQUEST');
  assert.equal(typeof answer.body.error.message, 'string');
  assert.equal(answer.body.error.retriable, false);
  assert.equal(answer.body.error.field, field, answer.body.error.message);
  if (limit !== undefined) assert.equal(answer.body.error.limit, limit, answer.body.error.message);
}

async function topicNames(): Promise<string[]> {
  return (await admin('GET', '/v1/topics')).body.topics.map((t: { name: string }) => t.name).sort();
}

async function groupNames(): Promise<string[]> {
  return (await admin('GET', '/v1/groups')).body.groups.map((g: { group: string }) => g.group).sort();
}

before(async () => {
  env = await startTestPlatform();
  for (const topic of [
    { name: 'orders', partitions: 2 },
    { name: 'secret', partitions: 1 },
  ]) {
    assert.equal((await admin('POST', '/v1/topics', topic)).status, 201);
  }
  assert.equal((await admin('POST', '/v1/topics/orders/records', { records: [{ value: 'a', partition: 0 }] })).status, 200);
  // billing has committed offsets for both topics; alice may see the group and orders, not secret.
  assert.equal(
    (
      await admin('POST', '/v1/groups/billing/offsets', {
        offsets: [
          { topic: 'orders', partition: 0, offset: 0 },
          { topic: 'secret', partition: 0, offset: 0 },
        ],
      })
    ).status,
    200,
  );
  // A live member makes billing a described group (the coordinator writes its meta item).
  assert.equal((await admin('POST', '/v1/groups/billing/members', { topics: ['orders', 'secret'], sessionTimeoutMs: 300_000 })).status, 201);
  for (let i = 0; (await admin('GET', '/v1/groups/billing')).status !== 200; i++) {
    assert.ok(i < 100, 'the coordinator never described billing');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const rule of [
    { principal: 'alice', resourceType: 'GROUP', resourceName: 'billing', operation: 'READ', permission: 'ALLOW' },
    { principal: 'alice', resourceType: 'GROUP', resourceName: 'billing', operation: 'DESCRIBE', permission: 'ALLOW' },
    { principal: 'alice', resourceType: 'TOPIC', resourceName: 'orders', operation: 'DESCRIBE', permission: 'ALLOW' },
    { principal: 'bob', resourceType: 'TOPIC', resourceName: 'orders', operation: 'WRITE', permission: 'ALLOW' },
  ]) {
    assert.equal((await admin('POST', '/v1/acls', rule)).status, 201);
  }
});

after(async () => {
  await env?.stop();
});

describe('overlong identifiers are refused before they reach storage', () => {
  const longTopic = 'a'.repeat(2049);
  for (const [method, path] of [
    ['GET', `/v1/topics/${longTopic}`],
    ['DELETE', `/v1/topics/${longTopic}`],
    ['POST', `/v1/topics/${longTopic}/records`],
    ['GET', `/v1/topics/${longTopic}/partitions/0/records`],
    ['GET', `/v1/topics/${longTopic}/partitions/0/offsets`],
  ] as const) {
    it(`${method} with a 2,049-character topic in the path is a 400 naming topic and its limit`, async () => {
      const answer = await send('t-admin', method, path, method === 'POST' ? JSON.stringify({ records: [{ value: 'x' }] }) : undefined);
      assertInvalid(answer, 'topic', 249);
    });
  }

  it('a 1,024-character member id is a 400 naming member on heartbeat and leave', async () => {
    const member = 'm'.repeat(1024);
    assertInvalid(await admin('POST', `/v1/groups/billing/members/${member}/heartbeat`), 'member', 128);
    assertInvalid(await admin('DELETE', `/v1/groups/billing/members/${member}`), 'member', 128);
  });

  it('a 1,025-character ACL rule id is a 400 naming rule', async () => {
    assertInvalid(await admin('DELETE', `/v1/acls/${'r'.repeat(1025)}`), 'rule', 128);
  });

  it('a quota principal over 1,024 UTF-8 bytes is a 400 naming principal and the byte limit, at any length', async () => {
    const before = (await admin('GET', '/v1/quotas')).body.quotas.length;
    // 513 two-byte characters: 1,026 bytes, though only 513 characters.
    assertInvalid(await admin('PUT', '/v1/quotas', { principal: 'é'.repeat(513), produceBytesPerSecond: 1000 }), 'principal', 1024);
    assertInvalid(await admin('PUT', '/v1/quotas', { principal: 'p'.repeat(2049), produceBytesPerSecond: 1000 }), 'principal', 1024);
    assert.equal((await admin('GET', '/v1/quotas')).body.quotas.length, before);
  });
});

describe('requests no route serves', () => {
  it('an unknown path is a 404 ROUTE_NOT_FOUND in the error shape', async () => {
    const answer = await admin('GET', '/v1/nothing-here');
    assert.equal(answer.status, 404);
    assert.equal(answer.body.error.code, 'ROUTE_NOT_FOUND');
    assert.equal(answer.body.error.retriable, false);
  });

  it('a known path with a wrong method is a 405 METHOD_NOT_ALLOWED with an Allow header', async () => {
    const answer = await admin('PUT', '/v1/topics/orders');
    assert.equal(answer.status, 405);
    assert.equal(answer.body.error.code, 'METHOD_NOT_ALLOWED');
    assert.equal(answer.headers.get('allow'), 'GET, DELETE, PATCH');
    assert.deepEqual(answer.body.error.allow, ['GET', 'DELETE', 'PATCH']);
  });

  it('still needs credentials: without a token it is a 401, as every route', async () => {
    const answer = await send(null, 'GET', '/v1/nothing-here');
    assert.equal(answer.status, 401);
    assert.equal(answer.body.error.code, 'UNAUTHENTICATED');
  });
});

describe('bodies', () => {
  for (const body of ['null', '[]', '"x"', '1', 'true']) {
    it(`a body of ${body} is a 400 naming body`, async () => {
      assertInvalid(await send('t-admin', 'POST', '/v1/topics', body), 'body');
    });
  }

  it('a misspelled field is a 400 naming it, and creates nothing', async () => {
    assertInvalid(await admin('POST', '/v1/topics', { name: 'x', partitons: 3 }), 'partitons');
    assert.ok(!(await topicNames()).includes('x'));
  });

  it('an unknown field in a nested object is named by its path', async () => {
    assertInvalid(await admin('POST', '/v1/topics/orders/records', { records: [{ value: 'v', valeu: 'w' }] }), 'records[0].valeu');
    assertInvalid(await admin('PUT', '/v1/groups/pushers/subscription', { topic: 'orders', target: { type: 'https', url: 'https://example.com/', urll: 'x' } }), 'target.urll');
  });

  it('an unknown query parameter is a 400 naming it', async () => {
    assertInvalid(await admin('GET', '/v1/topics/orders/partitions/0/records?maxRecord=5'), 'maxRecord');
    assertInvalid(await admin('GET', '/v1/topics?prefix=o'), 'prefix');
  });

  it('a body on a route that takes none is a 400 naming what it holds', async () => {
    assertInvalid(await send('t-admin', 'DELETE', '/v1/topics/orders', '{"force":true}'), 'force');
    assertInvalid(await send('t-admin', 'DELETE', '/v1/topics/orders', '"yes"'), 'body');
    assert.ok((await topicNames()).includes('orders'));
  });
});

describe('characters', () => {
  it('a subscription URL with a raw NUL is a 400 naming target.url, and creates neither the group nor the dead-letter topic', async () => {
    const topics = await topicNames();
    const groups = await groupNames();
    const answer = await admin('PUT', '/v1/groups/nul-push/subscription', { topic: 'orders', target: { type: 'https', url: 'https://example.com/\u0000hook' } });
    assertInvalid(answer, 'target.url');
    assert.deepEqual(await topicNames(), topics);
    assert.deepEqual(await groupNames(), groups);
  });

  it('a subscription URL with credentials in it is a 400 naming target.url (fetch would refuse every delivery)', async () => {
    const answer = await admin('PUT', '/v1/groups/cred-push/subscription', { topic: 'orders', target: { type: 'https', url: 'https://user:pw@example.com/hook' } });
    assertInvalid(answer, 'target.url');
    assert.ok(!(await groupNames()).includes('cred-push'));
  });

  for (const [shown, segment] of [
    ['.', '.'],
    ['..', '..'],
    ['%2e%2e', '%2e%2e'],
    ['a NUL', 'a%00b'],
    ['a slash', 'a%2Fb'],
  ]) {
    it(`a group named by ${shown} is a 400 naming group`, async () => {
      assertInvalid(await sendRaw('POST', `/v1/groups/${segment}/offsets`, JSON.stringify({ offsets: [{ topic: 'orders', partition: 0, offset: 0 }] })), 'group');
    });
  }

  it('a record value with a lone surrogate is a 400 naming it (its UTF-8 bytes would not read back as sent)', async () => {
    assertInvalid(await send('t-admin', 'POST', '/v1/topics/orders/records', '{"records":[{"value":"\\ud800"}]}'), 'records[0].value');
  });
});

describe('every 400 names its field, and the limit it crossed', () => {
  for (const [param, limit] of [
    ['maxRecords', 1],
    ['maxBytes', 1],
    ['waitMs', 0],
  ] as const) {
    it(`${param}=-1 names ${param} and its minimum ${limit}`, async () => {
      assertInvalid(await admin('GET', `/v1/topics/orders/partitions/0/records?${param}=-1`), param, limit);
    });
  }

  for (const age of [0, 59]) {
    it(`maxRecordAgeSeconds of ${age} names the minimum 60`, async () => {
      const answer = await admin('PUT', '/v1/groups/aged/subscription', { topic: 'orders', target: { type: 'https', url: 'https://example.com/' }, maxRecordAgeSeconds: age });
      assertInvalid(answer, 'maxRecordAgeSeconds', 60);
    });
  }

  it('retention.ms above int64 names the key and the limit', async () => {
    assertInvalid(await admin('POST', '/v1/topics', { name: 'big-retention', config: { 'retention.ms': '9223372036854775808' } }), 'config.retention.ms', '9223372036854775807');
  });

  it('a partition past int32 in the path names partition and its limit', async () => {
    assertInvalid(await admin('GET', '/v1/topics/orders/partitions/2147483648/records'), 'partition', 2147483647);
  });
});

describe('topics a caller may not describe', () => {
  it('a group offsets filter on such a topic answers exactly as one on a topic that does not exist', async () => {
    const secret = await send('t-alice', 'GET', '/v1/groups/billing/offsets?topic=secret');
    const nope = await send('t-alice', 'GET', '/v1/groups/billing/offsets?topic=nope');
    assert.equal(secret.status, 403);
    assert.equal(secret.body.error.code, 'ACCESS_DENIED');
    assert.equal(nope.status, secret.status);
    assert.equal(nope.body.error.code, secret.body.error.code);
    assert.equal(JSON.stringify(secret.body).includes('highWatermark'), false);
  });

  it('a described topic can still be filtered on', async () => {
    const answer = await send('t-alice', 'GET', '/v1/groups/billing/offsets?topic=orders');
    assert.equal(answer.status, 200);
    assert.deepEqual([...new Set(answer.body.partitions.map((p: { topic: string }) => p.topic))], ['orders']);
  });

  it('the group offsets and the group description both leave it out, and agree', async () => {
    const offsets = await send('t-alice', 'GET', '/v1/groups/billing/offsets');
    const group = await send('t-alice', 'GET', '/v1/groups/billing');
    assert.equal(offsets.status, 200);
    assert.equal(group.status, 200);
    const topicsOf = (answer: Answer) => [...new Set(answer.body.partitions.map((p: { topic: string }) => p.topic))];
    assert.deepEqual(topicsOf(offsets), ['orders']);
    assert.deepEqual(topicsOf(group), ['orders']);
    // The admin sees both, so the filter is the caller's rights, not the data.
    assert.deepEqual(topicsOf(await admin('GET', '/v1/groups/billing')), ['orders', 'secret']);
  });
});

describe('authorization comes before validation', () => {
  for (const [what, body] of [
    ['a valid body', '{"records":[{"value":"x"}]}'],
    ['invalid JSON', '{"records":'],
    ['a non-object', '[]'],
    ['an unknown key', '{"records":[{"value":"x"}],"sneaky":1}'],
  ]) {
    it(`a producer without WRITE gets the same 403 for ${what}`, async () => {
      const answer = await send('t-alice', 'POST', '/v1/topics/orders/records', body);
      assert.equal(answer.status, 403);
      assert.equal(answer.body.error.code, 'ACCESS_DENIED');
      assert.equal(answer.body.error.field, undefined);
    });
  }

  it('a topic creator without CREATE gets a 403, not the config error its body would earn', async () => {
    const answer = await send('t-bob', 'POST', '/v1/topics', JSON.stringify({ name: 'bobs', config: { 'no.such.key': 'x' } }));
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error.code, 'ACCESS_DENIED');
  });

  it('a denied caller gets the same 403 whether the topic exists or not', async () => {
    const existing = await send('t-alice', 'GET', '/v1/topics/secret');
    const missing = await send('t-alice', 'GET', '/v1/topics/no-such-topic');
    assert.equal(existing.status, 403);
    assert.equal(missing.status, 403);
    assert.equal(existing.body.error.code, missing.body.error.code);
  });
});

describe('findings of the fuzz check', () => {
  it('a huge integer names the field\'s own maximum, not the largest safe integer', async () => {
    assertInvalid(await send('t-admin', 'PUT', '/v1/quotas', '{"principal":"alice","produceBytesPerSecond":1e300}'), 'produceBytesPerSecond', 10737418240);
    assertInvalid(await send('t-admin', 'POST', '/v1/topics', '{"name":"huge","partitions":123456789012345678901234567890}'), 'partitions', 256);
  });

  it('a query parameter named __proto__ is refused by name, and the route does nothing', async () => {
    assertInvalid(await admin('DELETE', '/v1/topics/orders?__proto__=1'), '__proto__');
    assert.ok((await topicNames()).includes('orders'));
  });

  it('a config key __proto__ is refused by name, and no topic is created', async () => {
    assertInvalid(await send('t-admin', 'POST', '/v1/topics', '{"name":"proto-config","config":{"__proto__":"1"}}'), 'config.__proto__');
    assert.ok(!(await topicNames()).includes('proto-config'));
  });

  it('a config key __proto__ spelled with JSON escapes is refused by name too, and no topic is created', async () => {
    assertInvalid(await send('t-admin', 'POST', '/v1/topics', '{"name":"proto-escaped","config":{"\\u005f_proto\\u005f_":"1"}}'), 'config.__proto__');
    assert.ok(!(await topicNames()).includes('proto-escaped'));
  });

  it('a header map key __proto__ is refused by name instead of silently dropped', async () => {
    assertInvalid(await send('t-admin', 'POST', '/v1/topics/orders/records', '{"records":[{"value":"v","headers":{"__proto__":"x"}}]}'), 'records[0].headers.__proto__');
  });

  it('a header map key over 256 UTF-8 bytes names the byte limit, as a list entry does', async () => {
    const key = 'é'.repeat(129);
    const answer = await admin('POST', '/v1/topics/orders/records', { records: [{ value: 'v', headers: { [key]: 'x' } }] });
    assertInvalid(answer, `records[0].headers.${key}`, 256);
    assertInvalid(await admin('POST', '/v1/topics/orders/records', { records: [{ value: 'v', headers: [{ key, value: 'x' }] }] }), 'records[0].headers[0].key', 256);
  });

  it('65 headers name the limit of 64, as a list and as a map', async () => {
    const list = Array.from({ length: 65 }, (_, i) => ({ key: `h${i}`, value: 'v' }));
    assertInvalid(await admin('POST', '/v1/topics/orders/records', { records: [{ value: 'v', headers: list }] }), 'records[0].headers', 64);
    const map = Object.fromEntries(list.map((h) => [h.key, h.value]));
    assertInvalid(await admin('POST', '/v1/topics/orders/records', { records: [{ value: 'v', headers: map }] }), 'records[0].headers', 64);
  });
});
