import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * Producer ids and names belong to the principal that initialised them, through the
 * local HTTP layer with static bearer tokens. alice and carol may initialise producers
 * (WRITE on the cluster); bob may only write to `orders`, as in the penetration test.
 */
process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,alice=t-alice,bob=t-bob,carol=t-carol';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';

let env: TestPlatform;

async function as(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(env.url + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const initProducer = async (token: string, name?: string) => {
  const answer = await as(token, 'POST', '/v1/producers', name === undefined ? {} : { name });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body as { producerId: number; epoch: number };
};
const produce = (token: string, body: unknown) => as(token, 'POST', '/v1/topics/orders/records', body);
const highWatermark = async (partition: number) => (await as('t-admin', 'GET', `/v1/topics/orders/partitions/${partition}/offsets`)).body.highWatermark as number;
const values = async (partition: number) =>
  (await as('t-admin', 'GET', `/v1/topics/orders/partitions/${partition}/records?encoding=utf8`)).body.records.map((r: { value: string }) => r.value);

before(async () => {
  env = await startTestPlatform();
  assert.equal((await as('t-admin', 'POST', '/v1/topics', { name: 'orders', partitions: 8 })).status, 201);
  assert.equal((await as('t-admin', 'POST', '/v1/topics', { name: 'payments' })).status, 201);
  for (const rule of [
    { principal: 'alice', resourceType: 'CLUSTER', resourceName: 'cluster', operation: 'WRITE', permission: 'ALLOW' },
    { principal: 'alice', resourceType: 'TOPIC', resourceName: 'orders', operation: 'WRITE', permission: 'ALLOW' },
    { principal: 'carol', resourceType: 'CLUSTER', resourceName: 'cluster', operation: 'WRITE', permission: 'ALLOW' },
    { principal: 'carol', resourceType: 'TOPIC', resourceName: 'orders', operation: 'WRITE', permission: 'ALLOW' },
    { principal: 'bob', resourceType: 'TOPIC', resourceName: 'orders', operation: 'WRITE', permission: 'ALLOW' },
  ]) {
    assert.equal((await as('t-admin', 'POST', '/v1/acls', rule)).status, 201);
  }
});

after(async () => {
  await env?.stop();
});

describe('producer ids', () => {
  it('are drawn at random as JSON-safe integers in [2^32, 2^53)', async () => {
    const ids = [(await initProducer('t-alice')).producerId, (await initProducer('t-alice')).producerId];
    for (const id of ids) {
      assert.ok(Number.isSafeInteger(id), `${id} is a safe integer`);
      assert.ok(id >= 2 ** 32, `${id} is at least 2^32`);
    }
    assert.notEqual(ids[0], ids[1]);
  });

  it("refuses bob's produce with alice's producer id with 403 PRODUCER_ACCESS_DENIED naming producer.id, writes nothing, and alice's own first call then commits", async () => {
    const alice = await initProducer('t-alice');
    const hijack = await produce('t-bob', { records: [{ value: 'bob-hijack', partition: 2 }], producer: { id: alice.producerId, epoch: 0, sequences: { '2': 0 } } });
    assert.equal(hijack.status, 403, JSON.stringify(hijack.body));
    assert.equal(hijack.body.error.code, 'PRODUCER_ACCESS_DENIED');
    assert.equal(hijack.body.error.field, 'producer.id');
    assert.equal(await highWatermark(2), 0, 'nothing was written');

    const own = await produce('t-alice', { records: [{ value: 'alice-order', partition: 2 }], producer: { id: alice.producerId, epoch: 0, sequences: { '2': 0 } } });
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(own.body.duplicate, false);
    assert.deepEqual(await values(2), ['alice-order']);
  });

  it('answers a producer id never issued exactly as one issued to another principal, so ids cannot be probed', async () => {
    const alice = await initProducer('t-alice');
    const claim = (id: number) => ({ records: [{ value: 'probe', partition: 3 }], producer: { id, epoch: 0, sequences: { '3': 0 } } });
    const foreign = await produce('t-bob', claim(alice.producerId));
    const unknown = await produce('t-bob', claim(alice.producerId === 2 ** 40 ? 2 ** 40 + 1 : 2 ** 40));
    assert.equal(unknown.status, foreign.status);
    assert.equal(unknown.status, 403);
    const shape = (error: Record<string, unknown>) => ({ ...error, producerId: undefined, message: String(error.message).replace(/\d{6,}/g, '<id>') });
    assert.deepEqual(shape(unknown.body.error), shape(foreign.body.error));
    assert.equal(await highWatermark(3), 0);
  });

  it("answers duplicate: true only to the producer's own retry, never to another principal sending the same call", async () => {
    const alice = await initProducer('t-alice');
    const request = { records: [{ value: 'once', partition: 4 }], producer: { id: alice.producerId, epoch: 0, sequences: { '4': 0 } } };
    const first = await produce('t-alice', request);
    assert.equal(first.status, 200);
    assert.equal(first.body.duplicate, false);

    const replayed = await produce('t-bob', request);
    assert.equal(replayed.status, 403, JSON.stringify(replayed.body));
    assert.equal(replayed.body.error.code, 'PRODUCER_ACCESS_DENIED');
    assert.equal(replayed.body.duplicate, undefined);

    const retry = await produce('t-alice', request);
    assert.equal(retry.status, 200);
    assert.equal(retry.body.duplicate, true);
    assert.deepEqual(retry.body.records, first.body.records);
    assert.deepEqual(await values(4), ['once']);
  });
});

describe('producer names', () => {
  it("refuses carol re-initialising alice's name with 403 naming name, and leaves alice unfenced", async () => {
    const alice = await initProducer('t-alice', 'billing');
    const stolen = await as('t-carol', 'POST', '/v1/producers', { name: 'billing' });
    assert.equal(stolen.status, 403, JSON.stringify(stolen.body));
    assert.equal(stolen.body.error.code, 'PRODUCER_ACCESS_DENIED');
    assert.equal(stolen.body.error.field, 'name');
    assert.equal(stolen.body.producerId, undefined, 'the id is not revealed');

    const write = await produce('t-alice', { records: [{ value: 'still-mine', partition: 5 }], producer: { id: alice.producerId, epoch: alice.epoch, sequences: { '5': 0 } } });
    assert.equal(write.status, 200, JSON.stringify(write.body));
    assert.deepEqual(await initProducer('t-alice', 'billing'), { producerId: alice.producerId, epoch: alice.epoch + 1 }, "alice's own re-initialisation still bumps the epoch");
  });

  it('binds a name to whichever principal registers it first, when two race for it', async () => {
    const answers = await Promise.all([
      as('t-alice', 'POST', '/v1/producers', { name: 'contested' }),
      as('t-carol', 'POST', '/v1/producers', { name: 'contested' }),
    ]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 403], JSON.stringify(answers.map((a) => a.body)));
    const refused = answers.find((a) => a.status === 403)!;
    assert.equal(refused.body.error.field, 'name');
  });
});

describe('authorization comes before validation', () => {
  it('answers a principal without WRITE on the cluster 403 for POST /v1/producers whatever the body holds', async () => {
    for (const body of [{}, { name: 5 }, 'not json']) {
      const answer = await as('t-bob', 'POST', '/v1/producers', body);
      assert.equal(answer.status, 403, `${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.code, 'ACCESS_DENIED');
    }
  });

  it('answers a principal without WRITE on the topic 403 for a produce whatever the body holds', async () => {
    for (const body of [{ records: [{ value: 'x' }] }, { records: [] }, { producer: { id: -1 } }, 'not json']) {
      const answer = await as('t-bob', 'POST', '/v1/topics/payments/records', body);
      assert.equal(answer.status, 403, `${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.code, 'ACCESS_DENIED');
    }
  });
});
