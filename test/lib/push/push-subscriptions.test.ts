import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { deliverPartition } from '../../../lib/push/deliver-partition';
import { Webhook } from 'standardwebhooks';
import { standardWebhooksSecret, verifyDelivery } from '../../../lib/push/signature';
import { getSubscription } from '../../../lib/push/subscriptions';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';
import { PUSH_TARGET_FUNCTIONS_ENV_VAR } from '../../../lib/push/push-target-policy';
import { makeCertificates } from './certificates';

/**
 * Push subscriptions end to end: the Log stream (emulated locally) drives the dispatcher,
 * which delivers to a real HTTP server on loopback (or, for Lambda targets, a Lambda Invoke
 * API emulator there), against DynamoDB Local and s3rver.
 */
let env: TestPlatform;

before(async () => {
  env = await startTestPlatform();
});

after(async () => {
  await env?.stop();
});

interface Delivery {
  partition: number;
  offsets: number[];
  values: string[];
  signature: string;
  body: string;
  /** Every header, as a Standard Webhooks verifier takes them. */
  headers: Record<string, string>;
}

/** Any request the target got, acknowledged or not: its delivery id and the records it carried. */
interface Attempt {
  id: string;
  partition: number;
  offsets: number[];
}

/** A target that fails the first `failFirst` requests, and any batch holding a POISON value. */
async function startTarget(
  failFirst: number,
  alwaysFail = false,
): Promise<{ url: string; deliveries: Delivery[]; attempts: Attempt[]; requests: () => number; server: Server }> {
  const deliveries: Delivery[] = [];
  const attempts: Attempt[] = [];
  let requests = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests++;
      const parsed = JSON.parse(body);
      const values = parsed.records.map((r: { value: string }) => Buffer.from(r.value, 'base64').toString());
      attempts.push({ id: String(req.headers['webhook-id']), partition: parsed.partition, offsets: parsed.records.map((r: { offset: number }) => r.offset) });
      if (alwaysFail || requests <= failFirst || values.includes('POISON')) {
        res.writeHead(503).end();
        return;
      }
      deliveries.push({
        partition: parsed.partition,
        offsets: parsed.records.map((r: { offset: number }) => r.offset),
        values,
        signature: String(req.headers['sluice-signature']),
        body,
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, deliveries, attempts, requests: () => requests, server };
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const lagOf = async (group: string) => (await call(env.url, 'GET', `/v1/groups/${group}/subscription`)).body.totalLag as number;

describe('push subscriptions', () => {
  it('delivers every record at least once in order per partition through failures, dead-letters the poison records, and advances offsets', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'push-src', partitions: 2 });
    const target = await startTarget(3);
    const subscribed = await call(env.url, 'PUT', '/v1/groups/pusher/subscription', {
      topic: 'push-src',
      target: { type: 'https', url: target.url },
      batchSize: 10,
      retryAttempts: 2,
      resetPolicy: 'earliest',
    });
    assert.equal(subscribed.status, 200, JSON.stringify(subscribed.body));
    const secret = subscribed.body.secret as string;
    assert.ok(secret.length >= 32);

    const sent = new Map<number, string[]>([
      [0, []],
      [1, []],
    ]);
    for (let round = 0; round < 3; round++) {
      const records = Array.from({ length: 10 }, (_, i) => {
        const partition = i % 2;
        const value = round === 1 && i < 2 ? 'POISON' : `r${round}-${i}`;
        sent.get(partition)!.push(value);
        return { value, partition };
      });
      assert.equal((await call(env.url, 'POST', '/v1/topics/push-src/records', { records })).status, 200);
    }
    await waitFor(async () => (await lagOf('pusher')) === 0, 'the subscription to catch up');

    for (const partition of [0, 1]) {
      const got = target.deliveries.filter((d) => d.partition === partition);
      for (const d of got) assert.deepEqual(d.offsets, [...d.offsets].sort((a, b) => a - b), 'each batch is in offset order');
      const firstSeen: number[] = [];
      for (const offset of got.flatMap((d) => d.offsets)) if (!firstSeen.includes(offset)) firstSeen.push(offset);
      assert.deepEqual(firstSeen, [...firstSeen].sort((a, b) => a - b), 'first deliveries come in offset order');
      const delivered = new Set(got.flatMap((d) => d.values));
      for (const value of sent.get(partition)!.filter((v) => v !== 'POISON')) assert.ok(delivered.has(value), `${value} was delivered`);
    }
    for (const d of target.deliveries) assert.ok(verifyDelivery(secret, d.body, d.signature, Date.now()), 'every delivery is signed with the subscription secret');
    const verifier = new Webhook(standardWebhooksSecret(secret));
    for (const d of target.deliveries) assert.deepEqual(verifier.verify(d.body, d.headers), JSON.parse(d.body), 'a Standard Webhooks library verifies every delivery');
    // Retries of the same records carry the same webhook-id, so a receiver can drop repeats; other records another one.
    const idOf = new Map<string, string>();
    const recordsOf = new Map<string, string>();
    for (const a of target.attempts) {
      const records = JSON.stringify([a.partition, a.offsets]);
      assert.equal(idOf.get(records) ?? a.id, a.id, `one id for the records ${records}`);
      assert.equal(recordsOf.get(a.id) ?? records, records, `one set of records for the id ${a.id}`);
      idOf.set(records, a.id);
      recordsOf.set(a.id, records);
    }
    assert.ok(target.attempts.length > idOf.size, 'some batch was retried, so the test saw a repeat');

    const dlq = (await call(env.url, 'GET', '/v1/topics/pusher.dlq/partitions/0/records?encoding=utf8')).body.records;
    assert.deepEqual(
      dlq.map((r: { value: string }) => r.value),
      ['POISON', 'POISON'],
    );
    const header = (r: { headers: { key: string; value: string }[] }, key: string) => r.headers.find((h) => h.key === key)?.value;
    assert.deepEqual(dlq.map((r: never) => header(r, 'sluice.dlq.topic')), ['push-src', 'push-src']);
    const positions = (await call(env.url, 'GET', '/v1/groups/pusher/offsets')).body.partitions;
    assert.deepEqual(
      positions.map((p: { committedOffset: number; highWatermark: number }) => p.committedOffset === p.highWatermark),
      [true, true],
    );
    target.server.close();
  });

  it('keeps delivering to a healthy group while another group’s target keeps failing', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'push-shared' });
    const broken = await startTarget(0, true);
    const healthy = await startTarget(0);
    for (const [group, target] of [
      ['push-broken', broken],
      ['push-healthy', healthy],
    ] as const) {
      const put = await call(env.url, 'PUT', `/v1/groups/${group}/subscription`, { topic: 'push-shared', target: { type: 'https', url: target.url }, resetPolicy: 'earliest', retryAttempts: 1000 });
      assert.equal(put.status, 200);
    }
    await call(env.url, 'POST', '/v1/topics/push-shared/records', { records: [{ value: 'a' }, { value: 'b' }] });
    await waitFor(async () => (await lagOf('push-healthy')) === 0, 'the healthy group to catch up');
    assert.deepEqual(
      healthy.deliveries.flatMap((d) => d.values),
      ['a', 'b'],
    );
    assert.equal(await lagOf('push-broken'), 2);
    assert.ok(broken.requests() >= 1);
    broken.server.close();
    healthy.server.close();
  });

  it('lets only one dispatcher deliver a partition at a time', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'push-lease' });
    await call(env.url, 'POST', '/v1/topics/push-lease/records', { records: [{ value: 'x' }] });
    const put = await call(env.url, 'PUT', '/v1/groups/push-lease-g/subscription', {
      topic: 'push-lease',
      target: { type: 'https', url: 'http://127.0.0.1:9/unused' },
      resetPolicy: 'earliest',
    });
    assert.equal(put.status, 200);
    const ctx: SluiceContext = contextFromEnv();
    const subscription = await getSubscription(ctx, 'push-lease-g');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const slow = deliverPartition(ctx, subscription, 0, { holder: 'first', deadline: Date.now() + 30_000, deliver: () => held });
    await new Promise((r) => setTimeout(r, 300));
    const second = await deliverPartition(ctx, subscription, 0, { holder: 'second', deadline: Date.now() + 30_000, deliver: async () => undefined });
    assert.equal(second.status, 'busy');
    release();
    assert.equal((await slow).delivered, 1);
  });

  it('delivers to a Lambda function target through the dispatcher, and dead-letters a function error naming the function', async () => {
    // A minimal Lambda Invoke API: the platform's dispatcher runs in this process, and its
    // client-lambda reads AWS_ENDPOINT_URL_LAMBDA when it first invokes.
    const okArn = 'arn:aws:lambda:us-east-1:123456789012:function:push-consumer';
    const failingArn = 'arn:aws:lambda:us-east-1:123456789012:function:push-broken';
    const invoked: { functionName: string; body: string }[] = [];
    const lambda = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const functionName = decodeURIComponent(/^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '')?.[1] ?? '');
        invoked.push({ functionName, body });
        if (functionName === failingArn) {
          res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' }).end('{"errorType":"Error","errorMessage":"boom"}');
        } else if (functionName === okArn) {
          res.writeHead(200, { 'content-type': 'application/json' }).end('null');
        } else {
          res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' }).end(`{"Message":"Function not found: ${functionName}"}`);
        }
      });
    });
    await new Promise<void>((done) => lambda.listen(0, '127.0.0.1', done));
    process.env.AWS_ENDPOINT_URL_LAMBDA = `http://127.0.0.1:${(lambda.address() as { port: number }).port}`;
    try {
      await call(env.url, 'POST', '/v1/topics', { name: 'push-lambda' });
      for (const [group, functionArn] of [
        ['push-lambda-ok', okArn],
        ['push-lambda-broken', failingArn],
      ] as const) {
        const put = await call(env.url, 'PUT', `/v1/groups/${group}/subscription`, { topic: 'push-lambda', target: { type: 'lambda', functionArn }, resetPolicy: 'earliest', retryAttempts: 0 });
        assert.equal(put.status, 200, JSON.stringify(put.body));
      }
      await call(env.url, 'POST', '/v1/topics/push-lambda/records', { records: [{ value: 'l1' }, { value: 'l2' }] });
      await waitFor(async () => (await lagOf('push-lambda-ok')) === 0 && (await lagOf('push-lambda-broken')) === 0, 'both Lambda subscriptions to move past the records');

      const delivered = invoked.filter((i) => i.functionName === okArn).flatMap((i) => JSON.parse(i.body).records.map((r: { value: string }) => Buffer.from(r.value, 'base64').toString()));
      assert.deepEqual([...new Set(delivered)], ['l1', 'l2']);
      const first = JSON.parse(invoked.find((i) => i.functionName === okArn)!.body);
      assert.equal(first.group, 'push-lambda-ok');
      assert.equal(first.topic, 'push-lambda');

      const dlq = (await call(env.url, 'GET', '/v1/topics/push-lambda-broken.dlq/partitions/0/records?encoding=utf8')).body.records;
      assert.deepEqual(
        dlq.map((r: { value: string }) => r.value),
        ['l1', 'l2'],
      );
      const reason = dlq[0].headers.find((h: { key: string }) => h.key === 'sluice.dlq.error')?.value as string;
      assert.ok(reason.includes(failingArn) && reason.includes('Unhandled'), reason);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_LAMBDA;
      lambda.close();
    }
  });

  it('refuses members joining a push group, and bad subscription input with a 400 naming the field', async () => {
    const join = await call(env.url, 'POST', '/v1/groups/pusher/members', { topics: ['push-src'] });
    assert.equal(join.status, 409);
    assert.equal(join.body.error.code, 'GROUP_HAS_SUBSCRIPTION');
    const plainHttp = await call(env.url, 'PUT', '/v1/groups/x/subscription', { topic: 'push-src', target: { type: 'https', url: 'http://example.com/hook' } });
    assert.equal(plainHttp.status, 400);
    assert.equal(plainHttp.body.error.field, 'target.url');
    const batch = await call(env.url, 'PUT', '/v1/groups/x/subscription', { topic: 'push-src', target: { type: 'https', url: 'https://example.com/hook' }, batchSize: 0 });
    assert.equal(batch.body.error.field, 'batchSize');
    assert.equal(batch.body.error.limit, 1);
  });

  it('refuses a Lambda target outside the allowed functions of the deployment with a 400 naming the field, and writes nothing', async () => {
    const allowed = 'arn:aws:lambda:us-east-1:123456789012:function:allowed-consumer';
    process.env[PUSH_TARGET_FUNCTIONS_ENV_VAR] = allowed;
    try {
      const other = await call(env.url, 'PUT', '/v1/groups/lambda-policy/subscription', {
        topic: 'push-src',
        target: { type: 'lambda', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:someone-elses' },
      });
      assert.equal(other.status, 400);
      assert.equal(other.body.error.code, 'INVALID_REQUEST');
      assert.equal(other.body.error.field, 'target.functionArn');
      assert.deepEqual(other.body.error.allowed, [allowed]);
      assert.equal((await call(env.url, 'GET', '/v1/groups/lambda-policy/subscription')).status, 404, 'nothing was written');
      const alias = await call(env.url, 'PUT', '/v1/groups/lambda-policy/subscription', { topic: 'push-src', target: { type: 'lambda', functionArn: `${allowed}:live` } });
      assert.equal(alias.status, 200, JSON.stringify(alias.body));
      await call(env.url, 'DELETE', '/v1/groups/lambda-policy/subscription');
    } finally {
      delete process.env[PUSH_TARGET_FUNCTIONS_ENV_VAR];
    }
  });
});

describe('push delivery failures, as GET subscription shows them', () => {
  const closers: (() => void)[] = [];
  after(() => {
    for (const close of closers) close();
  });

  const subscription = async (group: string) => {
    const got = await call(env.url, 'GET', `/v1/groups/${group}/subscription`);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    return got.body;
  };

  async function subscribe(group: string, topic: string, url: string, retryAttempts: number): Promise<void> {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: topic })).status, 201);
    const put = await call(env.url, 'PUT', `/v1/groups/${group}/subscription`, { topic, target: { type: 'https', url }, resetPolicy: 'earliest', retryAttempts });
    assert.equal(put.status, 200, JSON.stringify(put.body));
  }

  it('shows a TLS failure of the target with its cause, its time and the consecutive failure count, per partition and in the summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-certs-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    const server = createHttpsServer(makeCertificates(dir).selfSigned, (_req, res) => res.writeHead(200).end());
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    closers.push(() => server.close());
    const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    await subscribe('push-tls', 'push-tls-src', url, 1000);

    const before = await subscription('push-tls');
    assert.deepEqual(
      { ...before.partitions[0], topic: undefined, partition: undefined, committedOffset: undefined, position: undefined, logStartOffset: undefined, highWatermark: undefined, lag: undefined },
      { topic: undefined, partition: undefined, committedOffset: undefined, position: undefined, logStartOffset: undefined, highWatermark: undefined, lag: undefined, consecutiveFailures: 0, lastError: null, lastErrorAt: null, nextAttemptAt: null },
      'no failures before any delivery',
    );
    assert.deepEqual(before.delivery, { failingPartitions: 0, lastError: null, lastErrorAt: null, lastErrorPartition: null });

    const producedAt = Date.now();
    await call(env.url, 'POST', '/v1/topics/push-tls-src/records', { records: [{ value: 'never delivered' }] });
    await waitFor(async () => (await subscription('push-tls')).partitions[0].consecutiveFailures >= 1, 'a failed delivery attempt');

    const { partitions, delivery, totalLag } = await subscription('push-tls');
    const [p0] = partitions;
    const reason = `target ${url}: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)`;
    assert.equal(p0.lastError, reason);
    assert.ok(p0.lastErrorAt >= producedAt && p0.lastErrorAt <= Date.now(), `lastErrorAt ${p0.lastErrorAt} is when it failed`);
    assert.ok(p0.consecutiveFailures >= 1);
    assert.equal(typeof p0.nextAttemptAt, 'number', 'a retry is scheduled');
    assert.equal(p0.lag, 1);
    assert.equal(totalLag, 1);
    assert.deepEqual(delivery, { failingPartitions: 1, lastError: reason, lastErrorAt: p0.lastErrorAt, lastErrorPartition: 0 });
  });

  it('names a refused connection in the dead letters and keeps it, with the count, after dead-lettering', async () => {
    const closed = createNetServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as { port: number }).port;
    await new Promise((done) => closed.close(done));
    const url = `http://127.0.0.1:${port}/hook`;
    await subscribe('push-refused', 'push-refused-src', url, 0);

    await call(env.url, 'POST', '/v1/topics/push-refused-src/records', { records: [{ value: 'a' }, { value: 'b' }] });
    await waitFor(async () => (await lagOf('push-refused')) === 0, 'both records to be dead-lettered');

    const reason = `target ${url}: connect ECONNREFUSED 127.0.0.1:${port}`;
    const dlq = (await call(env.url, 'GET', '/v1/topics/push-refused.dlq/partitions/0/records?encoding=utf8')).body.records;
    assert.deepEqual(
      dlq.map((r: { headers: { key: string; value: string }[] }) => r.headers.find((h) => h.key === 'sluice.dlq.error')?.value),
      [reason, reason],
    );
    const [p0] = (await subscription('push-refused')).partitions;
    assert.equal(p0.lastError, reason, 'dead-lettering does not clear the error');
    assert.ok(p0.consecutiveFailures >= 2, `each dead-lettered record failed and nothing was acknowledged since: ${p0.consecutiveFailures}`);
    assert.equal(p0.nextAttemptAt, null, 'nothing is waiting to be retried');
  });

  it('resets the count once the target acknowledges, keeping the last error and its time as history', async () => {
    let requests = 0;
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        requests++;
        if (requests <= 2) return void res.writeHead(503).end('internal details');
        bodies.push(body);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    closers.push(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    await subscribe('push-recovers', 'push-recovers-src', url, 1000);

    // A leading U+FEFF in key, value and header key reaches the target byte for byte.
    await call(env.url, 'POST', '/v1/topics/push-recovers-src/records', { records: [{ key: '\ufeffk', value: '\ufeffhello', headers: [{ key: '\ufeffh', value: '\ufeffv' }] }] });
    await waitFor(async () => (await lagOf('push-recovers')) === 0, 'delivery after two failures');

    const { partitions, delivery } = await subscription('push-recovers');
    assert.equal(partitions[0].consecutiveFailures, 0);
    assert.equal(partitions[0].lastError, `target ${url}: answered HTTP 503`);
    assert.equal(typeof partitions[0].lastErrorAt, 'number');
    assert.equal(partitions[0].nextAttemptAt, null);
    assert.equal(delivery.failingPartitions, 0);
    assert.equal(delivery.lastError, `target ${url}: answered HTTP 503`);

    const [record] = JSON.parse(bodies[0]!).records;
    const bom = (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    assert.deepEqual(Buffer.from(record.key, 'base64'), bom('k'));
    assert.deepEqual(Buffer.from(record.value, 'base64'), bom('hello'));
    assert.deepEqual(Buffer.from(record.headers[0].key, 'utf8'), bom('h'));
    assert.deepEqual(Buffer.from(record.headers[0].value, 'base64'), bom('v'));
  });
});
