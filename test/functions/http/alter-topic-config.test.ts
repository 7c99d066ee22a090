import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../support/eventually';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * `PATCH /v1/topics/{topic}` (functions/http/alter-topic-config.ts) on the real local
 * platform with bearer tokens: each key set is read back by describe, null removes a key,
 * keys not named are kept, bad input is a 400 naming the key and changes nothing, and
 * only ALTER_CONFIGS on the topic allows it.
 */
process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,configurer=t-configurer,alterer=t-alterer,denied=t-denied';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';

let env: TestPlatform;

async function send(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(env.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const alter = (topic: string, config: Record<string, string | null>, token = 't-admin') => send(token, 'PATCH', `/v1/topics/${topic}`, { config });
const described = async (topic: string) => (await send('t-admin', 'GET', `/v1/topics/${topic}`)).body;
const rule = (principal: string, operation: string, permission: 'ALLOW' | 'DENY' = 'ALLOW') => ({ principal, resourceType: 'TOPIC', resourceName: 'guarded', operation, permission });

before(async () => {
  env = await startTestPlatform();
  for (const [name, config] of [
    ['orders', { 'compression.type': 'gzip' }],
    ['guarded', {}],
    ['stamped', {}],
  ] as const) {
    assert.equal((await send('t-admin', 'POST', '/v1/topics', { name, partitions: 2, config })).status, 201);
  }
  for (const r of [rule('configurer', 'ALTER_CONFIGS'), rule('alterer', 'ALTER'), rule('alterer', 'DESCRIBE'), rule('denied', 'ALL'), rule('denied', 'ALTER_CONFIGS', 'DENY')]) {
    assert.equal((await send('t-admin', 'POST', '/v1/acls', r)).status, 201);
  }
});

after(async () => {
  await env?.stop();
});

describe('PATCH /v1/topics/{topic}', () => {
  for (const [key, value] of [
    ['retention.ms', '86400000'],
    ['compression.type', 'zstd'],
    ['message.timestamp.type', 'LogAppendTime'],
  ] as const) {
    it(`sets ${key} and describe reads it back`, async () => {
      const answer = await alter('orders', { [key]: value });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.config[key], value);
      assert.equal((await described('orders')).config[key], value);
    });
  }

  it('answers the topic as describe does', async () => {
    const answer = await alter('orders', { 'retention.ms': '3600000' });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, await described('orders'));
  });

  it('keeps the keys the change does not name', async () => {
    await alter('orders', { 'compression.type': 'gzip', 'retention.ms': '60000' });
    assert.equal((await alter('orders', { 'retention.ms': '120000' })).status, 200);
    const { config } = await described('orders');
    assert.equal(config['compression.type'], 'gzip');
    assert.equal(config['retention.ms'], '120000');
  });

  it('removes a key given null (the default applies again), and removing an absent key is no error', async () => {
    await alter('orders', { 'compression.type': 'gzip' });
    const answer = await alter('orders', { 'compression.type': null, 'message.timestamp.type': null });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal('compression.type' in answer.body.config, false);
    assert.equal('compression.type' in (await described('orders')).config, false);
    assert.equal((await alter('orders', { 'compression.type': null })).status, 200);
  });

  it('sets -1 (unlimited retention) as create accepts it', async () => {
    assert.equal((await alter('orders', { 'retention.ms': '-1' })).status, 200);
    assert.equal((await described('orders')).config['retention.ms'], '-1');
  });

  for (const [title, config, field, message] of [
    ['an unknown key', { 'retention.mss': '1' }, 'config.retention.mss', /unknown config key/],
    ['an invalid compression.type', { 'compression.type': 'lz4' }, 'config.compression.type', /"uncompressed", "gzip" or "zstd"/],
    ['an invalid message.timestamp.type', { 'message.timestamp.type': 'Now' }, 'config.message.timestamp.type', /CreateTime/],
    ['a retention.ms of 0', { 'retention.ms': '0' }, 'config.retention.ms', /at least 1/],
    ['a retention.ms that is a number, not a string', { 'retention.ms': 5 }, 'config.retention.ms', /string/],
    ['no key at all', {}, 'config', /at least 1 key/],
  ] as const) {
    it(`refuses ${title} with 400 naming it, and changes nothing`, async () => {
      const before = await described('orders');
      const answer = await send('t-admin', 'PATCH', '/v1/topics/orders', { config });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, 'INVALID_REQUEST');
      assert.equal(answer.body.error.field, field);
      assert.match(answer.body.error.message, message);
      assert.deepEqual(await described('orders'), before);
    });
  }

  it("refuses a retention.ms past Kafka's largest, naming the limit", async () => {
    const answer = await alter('orders', { 'retention.ms': '9223372036854775808' });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.field, 'config.retention.ms');
    assert.equal(answer.body.error.limit, '9223372036854775807');
  });

  it('refuses a valid key beside an invalid one, and sets neither', async () => {
    const before = await described('orders');
    const answer = await alter('orders', { 'compression.type': 'zstd', 'message.timestamp.type': 'Later' });
    assert.equal(answer.status, 400);
    assert.deepEqual(await described('orders'), before);
  });

  it('refuses a body without config, or with another field', async () => {
    for (const [body, field] of [
      [{}, 'config'],
      [{ config: { 'retention.ms': '1' }, partitions: 3 }, 'partitions'],
    ] as const) {
      const answer = await send('t-admin', 'PATCH', '/v1/topics/orders', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error.field, field);
    }
  });

  it('answers 404 TOPIC_NOT_FOUND for a topic that does not exist, and creates nothing', async () => {
    const answer = await alter('nowhere', { 'retention.ms': '1000' });
    assert.equal(answer.status, 404);
    assert.equal(answer.body.error.code, 'TOPIC_NOT_FOUND');
    assert.equal((await send('t-admin', 'GET', '/v1/topics/nowhere')).status, 404);
  });

  it('applies message.timestamp.type to records produced after it (LogAppendTime stamps the append time)', async () => {
    const produce = async () => (await send('t-admin', 'POST', '/v1/topics/stamped/records', { records: [{ value: 'v', timestamp: 1000, partition: 0 }] })).body.records[0].timestamp;
    assert.equal(await produce(), 1000);
    assert.equal((await alter('stamped', { 'message.timestamp.type': 'LogAppendTime' })).status, 200);
    // Within the topic cache's 5 s in any container (here the change also dropped this process's copy).
    await eventually(async () => (await produce()) !== 1000, 'a record produced after the change carries the append time');
    assert.equal((await alter('stamped', { 'message.timestamp.type': null })).status, 200);
    await eventually(async () => (await produce()) === 1000, 'after removing the key the record keeps its own timestamp again');
  });
});

describe('PATCH /v1/topics/{topic} authorization', () => {
  it('allows a principal with ALTER_CONFIGS on the topic', async () => {
    const answer = await alter('guarded', { 'retention.ms': '5000' }, 't-configurer');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal((await described('guarded')).config['retention.ms'], '5000');
  });

  it('refuses a principal with ALTER (and DESCRIBE) but not ALTER_CONFIGS, naming the operation, and changes nothing', async () => {
    const before = await described('guarded');
    const answer = await alter('guarded', { 'retention.ms': '6000' }, 't-alterer');
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error.code, 'ACCESS_DENIED');
    assert.equal(answer.body.error.operation, 'ALTER_CONFIGS');
    assert.deepEqual(await described('guarded'), before);
  });

  it('refuses a principal whose ALL is overruled by a DENY of ALTER_CONFIGS', async () => {
    const answer = await alter('guarded', { 'retention.ms': '7000' }, 't-denied');
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error.operation, 'ALTER_CONFIGS');
    assert.equal((await described('guarded')).config['retention.ms'], '5000');
  });

  it('refuses a bad body of an unauthorized caller with 403, not 400 (authorization comes first)', async () => {
    const answer = await send('t-alterer', 'PATCH', '/v1/topics/guarded', { config: { nope: '1' } });
    assert.equal(answer.status, 403);
  });
});
