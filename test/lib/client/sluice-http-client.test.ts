import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { SluiceApiError, SluiceConnectionError, SluiceHttpClient } from '../../../lib/client/sluice-http-client';

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** Bytes on the wire (compressed, if it was). */
  bytes: number;
}

type Handler = (req: SeenRequest, res: ServerResponse) => void;

const servers: { close(): void; closeAllConnections(): void }[] = [];
after(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

/** A server answering every request with `handler`; `seen` records what arrived. */
async function serve(handler: Handler): Promise<{ url: string; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined, bytes: raw.length };
      seen.push(request);
      handler(request, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const topic = { name: 'orders', topicId: 't-1', partitions: 4, config: { 'retention.ms': '1000' }, createdAt: 1763772000000 };

describe('SluiceHttpClient requests', () => {
  test('createTopic POSTs name, partitions and config as JSON to /v1/topics and returns the topic', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 201, topic));
    const created = await new SluiceHttpClient(url).createTopic('orders', { partitions: 4, config: { 'retention.ms': '1000' } });
    assert.deepEqual(created, topic);
    assert.equal(seen[0]?.method, 'POST');
    assert.equal(seen[0]?.url, '/v1/topics');
    assert.equal(seen[0]?.headers['content-type'], 'application/json');
    assert.deepEqual(seen[0]?.body, { name: 'orders', partitions: 4, config: { 'retention.ms': '1000' } });
  });

  test('listTopics GETs /v1/topics and returns the topics array', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, { topics: [topic] }));
    assert.deepEqual(await new SluiceHttpClient(url).listTopics(), [topic]);
    assert.deepEqual([seen[0]?.method, seen[0]?.url], ['GET', '/v1/topics']);
  });

  test('describeTopic GETs the topic path, URL-encoding the name', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, topic));
    assert.deepEqual(await new SluiceHttpClient(url).describeTopic('a b'), topic);
    assert.equal(seen[0]?.url, '/v1/topics/a%20b');
  });

  test("listTopicOffsets GETs the topic's offsets path, URL-encoding the name", async () => {
    const answer = { topic: 'a b', partitions: [{ partition: 0, logStartOffset: 0, highWatermark: 7 }, { partition: 1, logStartOffset: 2, highWatermark: 2 }] };
    const { url, seen } = await serve((_req, res) => json(res, 200, answer));
    assert.deepEqual(await new SluiceHttpClient(url).listTopicOffsets('a b'), answer);
    assert.deepEqual([seen[0]?.method, seen[0]?.url], ['GET', '/v1/topics/a%20b/offsets']);
  });

  test("trimPartition POSTs the offset to the partition's trim path and returns the offsets after", async () => {
    const answer = { topic: 'a b', partition: 2, logStartOffset: 5, highWatermark: 9 };
    const { url, seen } = await serve((_req, res) => json(res, 200, answer));
    assert.deepEqual(await new SluiceHttpClient(url).trimPartition('a b', 2, 5), answer);
    assert.deepEqual([seen[0]?.method, seen[0]?.url, seen[0]?.body], ['POST', '/v1/topics/a%20b/partitions/2/trim', { offset: 5 }]);
  });

  test('trimPartition refuses an offset below -1 without calling the server', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, {}));
    await assert.rejects(new SluiceHttpClient(url).trimPartition('t', 0, -2), RangeError);
    assert.equal(seen.length, 0);
  });

  test('deleteTopic sends DELETE and resolves on 204', async () => {
    const { url, seen } = await serve((_req, res) => res.writeHead(204).end());
    assert.equal(await new SluiceHttpClient(url).deleteTopic('orders'), undefined);
    assert.deepEqual([seen[0]?.method, seen[0]?.url], ['DELETE', '/v1/topics/orders']);
  });

  test('produce POSTs the encoding and records to the records path and returns where each landed', async () => {
    const answer = { topic: 'orders', records: [{ partition: 1, offset: 41, timestamp: 5 }] };
    const { url, seen } = await serve((_req, res) => json(res, 200, answer));
    const batch = { encoding: 'base64' as const, records: [{ key: 'az0=', value: 'aGk=', headers: [{ key: 'h', value: 'eA==' }] }] };
    assert.deepEqual(await new SluiceHttpClient(url).produce('orders', batch), answer);
    assert.deepEqual([seen[0]?.method, seen[0]?.url], ['POST', '/v1/topics/orders/records']);
    assert.deepEqual(seen[0]?.body, batch);
  });

  test("with compression 'gzip' the JSON body goes gzip-compressed, as application/octet-stream with content-encoding gzip", async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, { topic: 'orders', records: [] }));
    const batch = { encoding: 'utf8' as const, records: Array.from({ length: 200 }, (_, i) => ({ value: `order ${i} for customer ${i % 7}` })) };
    await new SluiceHttpClient(url).produce('orders', batch, { compression: 'gzip' });
    assert.equal(seen[0]!.headers['content-encoding'], 'gzip');
    assert.equal(seen[0]!.headers['content-type'], 'application/octet-stream');
    assert.deepEqual(seen[0]!.body, batch, 'the server gunzips exactly the request');
    assert.ok(seen[0]!.bytes * 3 < Buffer.byteLength(JSON.stringify(batch)), `${seen[0]!.bytes} bytes on the wire`);
  });

  test('fetchRecords sends only the query parameters it is given', async () => {
    const answer = { topic: 'orders', partition: 2, encoding: 'utf8', records: [], nextOffset: 3, highWatermark: 3, logStartOffset: 0 };
    const { url, seen } = await serve((_req, res) => json(res, 200, answer));
    const client = new SluiceHttpClient(url);
    assert.deepEqual(await client.fetchRecords('orders', 2, { offset: 3, maxRecords: 10, encoding: 'utf8' }), answer);
    await client.fetchRecords('orders', 2);
    assert.equal(seen[0]?.url, '/v1/topics/orders/partitions/2/records?offset=3&maxRecords=10&encoding=utf8');
    assert.equal(seen[1]?.url, '/v1/topics/orders/partitions/2/records');
  });

  test('listOffsets GETs the partition offsets path', async () => {
    const answer = { topic: 'orders', partition: 0, logStartOffset: 2, highWatermark: 9 };
    const { url, seen } = await serve((_req, res) => json(res, 200, answer));
    assert.deepEqual(await new SluiceHttpClient(url).listOffsets('orders', 0), answer);
    assert.equal(seen[0]?.url, '/v1/topics/orders/partitions/0/offsets');
  });

  test('a partition that is not a non-negative integer is rejected before any request', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, {}));
    await assert.rejects(new SluiceHttpClient(url).listOffsets('orders', -1), RangeError);
    assert.equal(seen.length, 0);
  });

  test('a base URL with a stage path and trailing slash keeps the path prefix', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, { topics: [] }));
    await new SluiceHttpClient(`${url}/prod/`).listTopics();
    assert.equal(seen[0]?.url, '/prod/v1/topics');
  });

  test('configured headers are sent with every request', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, { topics: [] }));
    await new SluiceHttpClient({ baseUrl: url, headers: { authorization: 'Bearer t0k' } }).listTopics();
    assert.equal(seen[0]?.headers.authorization, 'Bearer t0k');
  });
});

describe('SluiceHttpClient producers, long-poll and offsets-for-times', () => {
  test('initProducer POSTs the name to /v1/producers and returns the id and epoch; without options it sends an empty object', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, { producerId: 17, epoch: 2 }));
    const client = new SluiceHttpClient(url);
    assert.deepEqual(await client.initProducer({ name: 'billing-1' }), { producerId: 17, epoch: 2 });
    await client.initProducer();
    assert.deepEqual([seen[0]?.method, seen[0]?.url, seen[0]?.body], ['POST', '/v1/producers', { name: 'billing-1' }]);
    assert.deepEqual(seen[1]?.body, {});
  });

  test('produce sends the producer claim and expectedOffset as given, and returns duplicate', async () => {
    const answer = { topic: 'orders', records: [{ partition: 1, offset: 41, timestamp: 5 }], duplicate: true };
    const { url, seen } = await serve((_req, res) => json(res, 200, answer));
    const batch = { producer: { id: 17, epoch: 0, sequences: { '1': 40 } }, expectedOffset: 41, records: [{ value: 'x', partition: 1 }] };
    assert.deepEqual(await new SluiceHttpClient(url).produce('orders', batch), answer);
    assert.deepEqual(seen[0]?.body, batch);
  });

  test('fetchRecords sends waitMs', async () => {
    const answer = { topic: 'orders', partition: 0, encoding: 'base64', records: [], nextOffset: 3, highWatermark: 3, logStartOffset: 0 };
    const { url, seen } = await serve((_req, res) => json(res, 200, answer));
    await new SluiceHttpClient(url).fetchRecords('orders', 0, { offset: 3, waitMs: 5000 });
    assert.equal(seen[0]?.url, '/v1/topics/orders/partitions/0/records?offset=3&waitMs=5000');
  });

  test('offsetForTime GETs the offsets path with the timestamp and returns the offset, or null', async () => {
    const answer = { topic: 'orders', partition: 2, logStartOffset: 0, highWatermark: 9, timestamp: 1763772000000, offset: null };
    const { url, seen } = await serve((_req, res) => json(res, 200, answer));
    assert.deepEqual(await new SluiceHttpClient(url).offsetForTime('orders', 2, 1763772000000), answer);
    assert.equal(seen[0]?.url, '/v1/topics/orders/partitions/2/offsets?timestamp=1763772000000');
  });

  test('offsetForTime rejects a timestamp that is not a non-negative integer before any request', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, {}));
    await assert.rejects(new SluiceHttpClient(url).offsetForTime('orders', 0, -1), RangeError);
    await assert.rejects(new SluiceHttpClient(url).offsetForTime('orders', 0, 1.5), RangeError);
    assert.equal(seen.length, 0);
  });

  test('FENCED, OUT_OF_ORDER_SEQUENCE and OFFSET_MISMATCH come through with their details', async () => {
    const bodies = [
      { error: { code: 'FENCED', message: 'epoch 0 was superseded by 1', retriable: false, producerId: 17, epoch: 0, currentEpoch: 1 } },
      { error: { code: 'OUT_OF_ORDER_SEQUENCE', message: 'gap', retriable: false, partition: 1, expected: 40, received: 45 } },
      { error: { code: 'OFFSET_MISMATCH', message: 'not the high watermark', retriable: false, expectedOffset: 3, highWatermark: 5 } },
    ];
    let i = 0;
    const { url } = await serve((_req, res) => json(res, 409, bodies[i++]));
    const client = new SluiceHttpClient(url);
    for (const body of bodies) {
      const { code, message, retriable, ...details } = body.error;
      await assert.rejects(client.produce('orders', { records: [{ value: 'x' }] }), { name: 'SluiceApiError', status: 409, code, message, retriable, details });
    }
  });
});

describe('SluiceHttpClient consumer groups', () => {
  const view = {
    group: 'billing',
    memberId: 'cli-1',
    generation: 3,
    assignment: [{ topic: 'orders', partitions: [0, 2] }],
    rebalanceInProgress: false,
    sessionTimeoutMs: 9000,
    heartbeatIntervalMs: 3000,
  };

  test('joinGroup POSTs the subscription to the members path and returns the membership view', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 201, { ...view, assignment: [], rebalanceInProgress: true }));
    const options = { topics: ['orders'], sessionTimeoutMs: 9000, assignor: 'range' as const, resetPolicy: 'earliest' as const, clientId: 'cli' };
    const joined = await new SluiceHttpClient(url).joinGroup('billing', options);
    assert.equal(joined.rebalanceInProgress, true);
    assert.deepEqual([seen[0]?.method, seen[0]?.url, seen[0]?.body], ['POST', '/v1/groups/billing/members', options]);
  });

  test('heartbeat POSTs to the member heartbeat path, URL-encoding group and member, and returns the view', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, view));
    assert.deepEqual(await new SluiceHttpClient(url).heartbeat('bill ing', 'cli/1'), view);
    assert.deepEqual([seen[0]?.method, seen[0]?.url, seen[0]?.body], ['POST', '/v1/groups/bill%20ing/members/cli%2F1/heartbeat', undefined]);
  });

  test('leaveGroup sends DELETE to the member path and resolves on 204', async () => {
    const { url, seen } = await serve((_req, res) => res.writeHead(204).end());
    assert.equal(await new SluiceHttpClient(url).leaveGroup('billing', 'cli-1'), undefined);
    assert.deepEqual([seen[0]?.method, seen[0]?.url], ['DELETE', '/v1/groups/billing/members/cli-1']);
  });

  test('commitOffsets POSTs member, generation and offsets and returns what was committed', async () => {
    const answer = {
      group: 'billing',
      committed: [{ group: 'billing', topic: 'orders', partition: 0, offset: 7, generation: 3, memberId: 'cli-1', metadata: null, committedAt: 5 }],
    };
    const { url, seen } = await serve((_req, res) => json(res, 200, answer));
    const commit = { memberId: 'cli-1', generation: 3, offsets: [{ topic: 'orders', partition: 0, offset: 7 }] };
    assert.deepEqual(await new SluiceHttpClient(url).commitOffsets('billing', commit), answer);
    assert.deepEqual([seen[0]?.method, seen[0]?.url, seen[0]?.body], ['POST', '/v1/groups/billing/offsets', commit]);
  });

  test('groupOffsets GETs the offsets path, with ?topic= only when given', async () => {
    const answer = {
      group: 'billing',
      resetPolicy: 'latest',
      partitions: [{ topic: 'orders', partition: 0, committedOffset: null, position: 9, logStartOffset: 0, highWatermark: 9, lag: 0 }],
      totalLag: 0,
    };
    const { url, seen } = await serve((_req, res) => json(res, 200, answer));
    const client = new SluiceHttpClient(url);
    assert.deepEqual(await client.groupOffsets('billing', { topic: 'orders' }), answer);
    await client.groupOffsets('billing');
    assert.deepEqual([seen[0]?.method, seen[0]?.url], ['GET', '/v1/groups/billing/offsets?topic=orders']);
    assert.equal(seen[1]?.url, '/v1/groups/billing/offsets');
  });

  test('listGroups GETs /v1/groups and returns the groups array', async () => {
    const groups = [{ group: 'billing', generation: 3, assignor: 'sticky', members: 2, state: 'Stable' }];
    const { url, seen } = await serve((_req, res) => json(res, 200, { groups }));
    assert.deepEqual(await new SluiceHttpClient(url).listGroups(), groups);
    assert.deepEqual([seen[0]?.method, seen[0]?.url], ['GET', '/v1/groups']);
  });

  test('describeGroup GETs the group path and returns the description', async () => {
    const description = {
      group: 'billing',
      generation: 3,
      assignor: 'sticky',
      members: 1,
      state: 'Stable',
      resetPolicy: 'earliest',
      memberDetails: [{ memberId: 'cli-1', topics: ['orders'], expiresAt: 9, assignment: [{ topic: 'orders', partitions: [0] }] }],
      partitions: [{ topic: 'orders', partition: 0, committedOffset: 4, position: 4, logStartOffset: 0, highWatermark: 9, lag: 5 }],
      totalLag: 5,
    };
    const { url, seen } = await serve((_req, res) => json(res, 200, description));
    assert.deepEqual(await new SluiceHttpClient(url).describeGroup('billing'), description);
    assert.deepEqual([seen[0]?.method, seen[0]?.url], ['GET', '/v1/groups/billing']);
  });

  for (const [status, code] of [
    [409, 'ILLEGAL_GENERATION'],
    [404, 'UNKNOWN_MEMBER'],
    [409, 'PARTITION_NOT_ASSIGNED'],
    [409, 'GROUP_ACTIVE'],
    [404, 'GROUP_NOT_FOUND'],
  ] as const) {
    test(`${code} comes through as a SluiceApiError with its code, status and details`, async () => {
      const body = { error: { code, message: `${code} happened`, retriable: false, group: 'billing', generation: 2, currentGeneration: 3 } };
      const { url } = await serve((_req, res) => json(res, status, body));
      await assert.rejects(new SluiceHttpClient(url).commitOffsets('billing', { memberId: 'cli-1', generation: 2, offsets: [{ topic: 'orders', partition: 0, offset: 1 }] }), {
        name: 'SluiceApiError',
        status,
        code,
        message: `${code} happened`,
        retriable: false,
        details: { group: 'billing', generation: 2, currentGeneration: 3 },
      });
    });
  }
});

describe('SluiceHttpClient errors', () => {
  test('an error body becomes a SluiceApiError with status, code, retriable and the other fields as details', async () => {
    const body = { error: { code: 'INVALID_REQUEST', message: 'records[2].value: too big', retriable: false, field: 'records[2].value', limit: 1048576 } };
    const { url } = await serve((_req, res) => json(res, 400, body));
    const err = await new SluiceHttpClient(url).produce('t', { records: [{ value: 'x' }] }).catch((e: unknown) => e);
    assert.ok(err instanceof SluiceApiError);
    assert.equal(err.status, 400);
    assert.equal(err.code, 'INVALID_REQUEST');
    assert.equal(err.message, 'records[2].value: too big');
    assert.equal(err.retriable, false);
    assert.deepEqual(err.details, { field: 'records[2].value', limit: 1048576 });
  });

  test('a retriable error body sets retriable', async () => {
    const { url } = await serve((_req, res) => json(res, 503, { error: { code: 'COMMIT_CONTENDED', message: 'retry', retriable: true, attempts: 5 } }));
    await assert.rejects(new SluiceHttpClient(url).produce('t', { records: [{ value: 'x' }] }), {
      name: 'SluiceApiError',
      status: 503,
      code: 'COMMIT_CONTENDED',
      retriable: true,
      details: { attempts: 5 },
    });
  });

  test('a non-Sluice error body (a gateway answering) becomes HTTP_ERROR, retriable for 5xx', async () => {
    const { url } = await serve((_req, res) => json(res, 502, { message: 'Internal Server Error' }));
    await assert.rejects(new SluiceHttpClient(url).listTopics(), {
      name: 'SluiceApiError',
      status: 502,
      code: 'HTTP_ERROR',
      retriable: true,
      message: 'HTTP 502 Bad Gateway: Internal Server Error',
    });
  });

  test("a gateway's 429 with a Retry-After header carries it as retryAfterSeconds, so retries wait for it", async () => {
    const { url } = await serve((_req, res) => res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' }).end('{"message":"Too Many Requests"}'));
    await assert.rejects(new SluiceHttpClient(url).listTopics(), { code: 'HTTP_ERROR', status: 429, retriable: true, details: { retryAfterSeconds: 3 } });
  });

  test('a gateway error without Retry-After has no retryAfterSeconds', async () => {
    const { url } = await serve((_req, res) => json(res, 503, { message: 'Service Unavailable' }));
    await assert.rejects(new SluiceHttpClient(url).listTopics(), (err: unknown) => err instanceof SluiceApiError && err.retriable && !('retryAfterSeconds' in err.details));
  });

  test('a 2xx answer that is not JSON becomes INVALID_RESPONSE', async () => {
    const { url } = await serve((_req, res) => res.writeHead(200).end('<html>hello</html>'));
    await assert.rejects(new SluiceHttpClient(url).listTopics(), { code: 'INVALID_RESPONSE', status: 200, retriable: false });
  });

  test('an unreachable server becomes a retriable SluiceConnectionError naming the base URL', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const err = await new SluiceHttpClient(`http://127.0.0.1:${port}`).listTopics().catch((e: unknown) => e);
    assert.ok(err instanceof SluiceConnectionError);
    assert.equal(err.code, 'CONNECTION_FAILED');
    assert.equal(err.retriable, true);
    assert.match(err.message, new RegExp(`^Could not reach Sluice at http://127\\.0\\.0\\.1:${port} \\(GET /v1/topics\\): .*ECONNREFUSED`));
  });

  test('a request that outlives timeoutMs becomes a SluiceConnectionError saying it timed out', async () => {
    const { url } = await serve(() => {}); // never answers
    await assert.rejects(new SluiceHttpClient({ baseUrl: url, timeoutMs: 50 }).listTopics(), {
      name: 'SluiceConnectionError',
      code: 'CONNECTION_FAILED',
      message: /timed out after 50 ms/,
    });
  });

  test("aborting the caller's signal rejects with the abort reason, not a Sluice error", async () => {
    const { url } = await serve(() => {});
    const controller = new AbortController();
    const pending = new SluiceHttpClient(url).listTopics({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(pending, { name: 'AbortError' });
  });
});

describe('SluiceHttpClient push subscriptions, ACLs and quotas', () => {
  const subscription = {
    group: 'billing',
    topic: 'orders',
    target: { type: 'https' as const, url: 'https://example.com/hook' },
    batchSize: 50,
    batchingWindowMs: 0,
    retryAttempts: 10,
    maxRecordAgeSeconds: -1,
    bisectOnError: false,
    deadLetterTopic: 'billing.dlq',
    createdAt: 1763772000000,
  };
  const positions = [{ topic: 'orders', partition: 0, committedOffset: 4, position: 4, logStartOffset: 0, highWatermark: 6, lag: 2 }];
  const rule = {
    ruleId: 'r-1',
    principal: 'alice',
    resourceType: 'TOPIC' as const,
    patternType: 'PREFIXED' as const,
    resourceName: 'orders.',
    operation: 'WRITE' as const,
    permission: 'ALLOW' as const,
    createdAt: 1763772000000,
  };
  const quota = { principal: 'alice', produceBytesPerSecond: 1048576, fetchBytesPerSecond: null, updatedAt: 1763772000000 };

  test('putSubscription PUTs the request to the subscription path, URL-encoding the group, and returns the subscription with its secret', async () => {
    const answer = { ...subscription, secret: 's3cr3t-s3cr3t-s3cr3t' };
    const { url, seen } = await serve((_req, res) => json(res, 200, answer));
    const body = {
      topic: 'orders',
      target: { type: 'lambda' as const, functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:hook' },
      batchSize: 50,
      maxRecordAgeSeconds: -1,
      bisectOnError: false,
      resetPolicy: 'earliest' as const,
    };
    const created = await new SluiceHttpClient(url).putSubscription('bill ing', body);
    assert.deepEqual(created, answer);
    assert.deepEqual([seen[0]?.method, seen[0]?.url], ['PUT', '/v1/groups/bill%20ing/subscription']);
    assert.equal(seen[0]?.headers['content-type'], 'application/json');
    assert.deepEqual(seen[0]?.body, body);
  });

  test('getSubscription GETs the subscription path and returns it with positions and total lag', async () => {
    const answer = { ...subscription, partitions: positions, totalLag: 2 };
    const { url, seen } = await serve((_req, res) => json(res, 200, answer));
    assert.deepEqual(await new SluiceHttpClient(url).getSubscription('billing'), answer);
    assert.deepEqual([seen[0]?.method, seen[0]?.url, seen[0]?.body], ['GET', '/v1/groups/billing/subscription', undefined]);
  });

  test('deleteSubscription sends DELETE to the subscription path and resolves on 204', async () => {
    const { url, seen } = await serve((_req, res) => res.writeHead(204).end());
    assert.equal(await new SluiceHttpClient(url).deleteSubscription('billing'), undefined);
    assert.deepEqual([seen[0]?.method, seen[0]?.url], ['DELETE', '/v1/groups/billing/subscription']);
  });

  test('SUBSCRIPTION_NOT_FOUND comes through with its status and group', async () => {
    const { url } = await serve((_req, res) =>
      json(res, 404, { error: { code: 'SUBSCRIPTION_NOT_FOUND', message: "Group 'x' has no push subscription", retriable: false, group: 'x' } }),
    );
    await assert.rejects(new SluiceHttpClient(url).getSubscription('x'), (err: unknown) => {
      assert.ok(err instanceof SluiceApiError);
      assert.deepEqual([err.status, err.code, err.details.group], [404, 'SUBSCRIPTION_NOT_FOUND', 'x']);
      return true;
    });
  });

  test('createAcl POSTs the rule to /v1/acls and returns it with its ruleId', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 201, rule));
    const { ruleId: _ruleId, createdAt: _createdAt, ...request } = rule;
    assert.deepEqual(await new SluiceHttpClient(url).createAcl(request), rule);
    assert.deepEqual([seen[0]?.method, seen[0]?.url], ['POST', '/v1/acls']);
    assert.deepEqual(seen[0]?.body, request);
  });

  test('listAcls GETs /v1/acls and returns the rules array', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, { rules: [rule] }));
    assert.deepEqual(await new SluiceHttpClient(url).listAcls(), [rule]);
    assert.deepEqual([seen[0]?.method, seen[0]?.url], ['GET', '/v1/acls']);
  });

  test('deleteAcl sends DELETE to the rule path, URL-encoding the id; ACL_NOT_FOUND comes through', async () => {
    let status = 204;
    const { url, seen } = await serve((_req, res) =>
      status === 204 ? res.writeHead(204).end() : json(res, 404, { error: { code: 'ACL_NOT_FOUND', message: "No ACL rule 'r/2'", retriable: false, ruleId: 'r/2' } }),
    );
    const client = new SluiceHttpClient(url);
    assert.equal(await client.deleteAcl('r-1'), undefined);
    status = 404;
    await assert.rejects(client.deleteAcl('r/2'), (err: unknown) => err instanceof SluiceApiError && err.code === 'ACL_NOT_FOUND' && err.status === 404);
    assert.deepEqual(
      seen.map((r) => [r.method, r.url]),
      [
        ['DELETE', '/v1/acls/r-1'],
        ['DELETE', '/v1/acls/r%2F2'],
      ],
    );
  });

  test('setQuota PUTs principal and rates (null is unlimited) to /v1/quotas and returns the stored quota', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, quota));
    const request = { principal: 'alice', produceBytesPerSecond: 1048576, fetchBytesPerSecond: null };
    assert.deepEqual(await new SluiceHttpClient(url).setQuota(request), quota);
    assert.deepEqual([seen[0]?.method, seen[0]?.url], ['PUT', '/v1/quotas']);
    assert.deepEqual(seen[0]?.body, request);
  });

  test('listQuotas GETs /v1/quotas and returns the quotas array', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, { quotas: [quota] }));
    assert.deepEqual(await new SluiceHttpClient(url).listQuotas(), [quota]);
    assert.deepEqual([seen[0]?.method, seen[0]?.url], ['GET', '/v1/quotas']);
  });

  test('ACCESS_DENIED comes through with principal, operation and resource', async () => {
    const { url } = await serve((_req, res) =>
      json(res, 403, {
        error: { code: 'ACCESS_DENIED', message: "Principal 'bob' may not ALTER cluster 'cluster'", retriable: false, principal: 'bob', operation: 'ALTER', resourceType: 'CLUSTER', resourceName: 'cluster' },
      }),
    );
    await assert.rejects(new SluiceHttpClient(url).createAcl({ principal: 'bob', resourceType: 'CLUSTER', resourceName: 'cluster', operation: 'ALTER', permission: 'ALLOW' }), (err: unknown) => {
      assert.ok(err instanceof SluiceApiError);
      assert.deepEqual([err.status, err.code, err.details.principal, err.details.operation], [403, 'ACCESS_DENIED', 'bob', 'ALTER']);
      return true;
    });
  });
});
