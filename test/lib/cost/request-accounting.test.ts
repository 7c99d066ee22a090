import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../../../infra/local/emulators/dynamodb-local';
import { startS3Server, type RunningS3Server } from '../../../infra/local/emulators/s3-server';
import { countsOf, diffSnapshots, operationRows, RequestCounter, totalCounts } from '../../../lib/cost/request-accounting';

/**
 * The request counter against the real emulators (DynamoDB Local in memory, s3rver in a
 * temp dir) with real SDK clients: a known sequence of calls gives known counts, bytes
 * and capacity. Retries are real SDK retries: a loopback proxy answers the first
 * attempts with a throttling error and forwards the rest to the emulator.
 */
const REGION = 'us-east-1';
const TABLE = 'metrics-test';
const BUCKET = 'metrics-test';
const CREDENTIALS = { accessKeyId: 'sluicelocal', secretAccessKey: 'sluicelocal' };

let dynamo: RunningDynamoDbLocal;
let s3server: RunningS3Server;
let s3Dir: string;
const proxies: Server[] = [];

function dynamoClient(endpoint: string, maxAttempts = 3) {
  const base = new DynamoDBClient({ region: REGION, endpoint, credentials: CREDENTIALS, maxAttempts });
  return { base, doc: DynamoDBDocumentClient.from(base) };
}

function s3Client(endpoint: string, maxAttempts = 3) {
  return new S3Client({ region: REGION, endpoint, credentials: CREDENTIALS, forcePathStyle: true, maxAttempts });
}

/** A proxy to `target` that answers the first `failures` requests with `status` and `body` instead of forwarding them. */
async function faultyProxy(target: string, failures: number, status: number, contentType: string, body: string): Promise<string> {
  let remaining = failures;
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    if (remaining > 0) {
      remaining--;
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
      return;
    }
    const forwarded = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  proxies.push(server);
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

before(async () => {
  dynamo = await startDynamoDbLocal({ port: 0 });
  s3Dir = mkdtempSync(join(tmpdir(), 'sluice-metrics-s3-'));
  s3server = await startS3Server({ port: 0, dataDir: s3Dir, accessKeyIds: [CREDENTIALS.accessKeyId] });
  const { base } = dynamoClient(dynamo.endpoint);
  await base.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  await s3Client(s3server.endpoint).send(new CreateBucketCommand({ Bucket: BUCKET }));
});

after(async () => {
  for (const proxy of proxies) await new Promise<void>((done) => proxy.close(() => done()));
  await dynamo?.stop();
  await s3server?.stop();
  if (s3Dir) rmSync(s3Dir, { recursive: true, force: true });
});

describe('RequestCounter with DynamoDB Local', () => {
  it('counts requests, items and consumed capacity of a known sequence, including batch and transaction lists', async () => {
    const { base, doc } = dynamoClient(dynamo.endpoint);
    const counter = new RequestCounter().attach(doc).attach(base); // one shared stack: attached once

    // 1,500 bytes round up to 2 WCU; a small item is 1 WCU.
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'a', sk: '1', v: 'x'.repeat(1500) } }));
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'a', sk: '2', v: 'y' } }));
    // Strongly consistent read: 1 RCU per 4 KB; eventually consistent: half.
    const got = await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'a', sk: '1' }, ConsistentRead: true }));
    await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'a', sk: '1' } }));
    // BatchGet answers a list of ConsumedCapacity: two consistent reads of items under 4 KB.
    await doc.send(new BatchGetCommand({ RequestItems: { [TABLE]: { Keys: [{ pk: 'a', sk: '1' }, { pk: 'a', sk: '2' }], ConsistentRead: true } } }));
    // Query rounds the summed size of what it read (about 1.5 KB) up to one 4 KB unit.
    await doc.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'a' }, ConsistentRead: true }));
    // A transaction of three small items, and one whose condition fails.
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: { pk: 'b', sk: '1' } } },
          { Put: { TableName: TABLE, Item: { pk: 'b', sk: '2' } } },
          { ConditionCheck: { TableName: TABLE, Key: { pk: 'a', sk: '2' }, ConditionExpression: 'attribute_exists(pk)' } },
        ],
      }),
    );
    await assert.rejects(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { ConditionCheck: { TableName: TABLE, Key: { pk: 'a', sk: '2' }, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName: TABLE, Item: { pk: 'c', sk: '1' } } },
          ],
        }),
      ),
      { name: 'TransactionCanceledException' },
    );

    const snapshot = counter.snapshot();
    const put = countsOf(snapshot, 'DynamoDB', 'PutItem');
    assert.equal(put.requests, 2);
    assert.equal(put.attempts, 2);
    assert.equal(put.items, 2);
    assert.equal(put.capacityUnits, 3);
    assert.equal(put.writeCapacityUnits, 3);
    assert.equal(put.readCapacityUnits, 0);

    const get = countsOf(snapshot, 'DynamoDB', 'GetItem');
    assert.equal(get.requests, 2);
    assert.equal(get.capacityUnits, 1.5);
    assert.equal(get.readCapacityUnits, 1.5);
    assert.equal(get.eventualReads, 1, 'the read without ConsistentRead');

    const batch = countsOf(snapshot, 'DynamoDB', 'BatchGetItem');
    assert.deepEqual([batch.requests, batch.items, batch.capacityUnits, batch.readCapacityUnits, batch.eventualReads], [1, 2, 2, 2, 0]);

    const query = countsOf(snapshot, 'DynamoDB', 'Query');
    assert.deepEqual([query.requests, query.items, query.capacityUnits], [1, 0, 1]);

    const transact = countsOf(snapshot, 'DynamoDB', 'TransactWriteItems');
    assert.equal(transact.requests, 2);
    assert.equal(transact.attempts, 2, 'a cancelled transaction is not retried by the SDK');
    assert.equal(transact.items, 5, 'both transactions name their items');
    assert.equal(transact.errors, 1);
    assert.equal(transact.failedAttempts, 1);
    assert.deepEqual(transact.errorNames, { TransactionCanceledException: 1, 'attempt:TransactionCanceledException': 1 });
    // DynamoDB Local reports one item's worth (2 WCU) for the whole transaction; AWS charges 2 WCU per item.
    assert.ok(transact.capacityUnits >= 2, `transaction capacity ${transact.capacityUnits}`);
    assert.equal(transact.writeCapacityUnits, transact.capacityUnits);

    const all = totalCounts(snapshot, 'DynamoDB');
    assert.equal(all.requests, 8);
    assert.equal(all.capacityUnknown, 0);
    assert.ok(all.bytesSent > 1500, 'the large item went over the wire');
    assert.ok(all.bytesReceived > 1500, 'and came back');
    // The caller asked for no capacity, so the answer carries none: the counter is invisible.
    assert.equal((got as Record<string, unknown>).ConsumedCapacity, undefined);
  });

  it('counts the items of an eventually consistent BatchGetItem as eventual reads, at half a unit each', async () => {
    const { doc } = dynamoClient(dynamo.endpoint);
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'e', sk: '1' } }));
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'e', sk: '2' } }));
    const counter = new RequestCounter().attach(doc);
    await doc.send(new BatchGetCommand({ RequestItems: { [TABLE]: { Keys: [{ pk: 'e', sk: '1' }, { pk: 'e', sk: '2' }] } } }));
    const batch = countsOf(counter.snapshot(), 'DynamoDB', 'BatchGetItem');
    assert.deepEqual([batch.items, batch.eventualReads, batch.readCapacityUnits], [2, 2, 1]);
  });

  it("respects the caller's ReturnConsumedCapacity and leaves the answer as asked", async () => {
    const { doc } = dynamoClient(dynamo.endpoint);
    const counter = new RequestCounter().attach(doc);
    const total = await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'a', sk: '2' }, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }));
    assert.equal(total.ConsumedCapacity?.CapacityUnits, 1);
    const none = await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'a', sk: '2' }, ConsistentRead: true, ReturnConsumedCapacity: 'NONE' }));
    assert.equal(none.ConsumedCapacity, undefined);
    const get = countsOf(counter.snapshot(), 'DynamoDB', 'GetItem');
    assert.equal(get.requests, 2);
    assert.equal(get.capacityUnits, 1);
    assert.equal(get.capacityUnknown, 1);
  });

  it('counts only the requests its include() accepts: two counters split one client by async scope', async () => {
    const { doc } = dynamoClient(dynamo.endpoint);
    const scope = new AsyncLocalStorage<string>();
    const api = new RequestCounter({ include: () => scope.getStore() === undefined }).attach(doc);
    const background = new RequestCounter({ include: () => scope.getStore() === 'background' }).attach(doc);
    await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'a', sk: '2' }, ConsistentRead: true }));
    await scope.run('background', async () => {
      await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'bg', sk: '1' } }));
      await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'bg', sk: '2' } }));
    });
    assert.deepEqual(
      operationRows(api.snapshot()).map((r) => [r.operation, r.requests, r.capacityUnits]),
      [['GetItem', 1, 1]],
    );
    assert.deepEqual(
      operationRows(background.snapshot()).map((r) => [r.operation, r.requests, r.attempts, r.capacityUnits]),
      [['PutItem', 2, 2, 2]],
    );
  });

  it("counts the SDK's retries as attempts and the capacity once", async () => {
    const throttled = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'injected by the test' });
    const endpoint = await faultyProxy(dynamo.endpoint, 2, 400, 'application/x-amz-json-1.0', throttled);
    const { doc } = dynamoClient(endpoint, 3);
    const counter = new RequestCounter().attach(doc);
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'r', sk: '1' } }));
    const put = countsOf(counter.snapshot(), 'DynamoDB', 'PutItem');
    assert.equal(put.requests, 1);
    assert.equal(put.attempts, 3);
    assert.equal(put.failedAttempts, 2);
    assert.equal(put.errors, 0);
    assert.deepEqual(put.errorNames, { 'attempt:ThrottlingException': 2 });
    assert.equal(put.capacityUnits, 1);
  });

  it('gives up with the error counted once and every attempt counted', async () => {
    const throttled = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'injected by the test' });
    const endpoint = await faultyProxy(dynamo.endpoint, 5, 400, 'application/x-amz-json-1.0', throttled);
    const { doc } = dynamoClient(endpoint, 2);
    const counter = new RequestCounter().attach(doc);
    await assert.rejects(doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'a', sk: '1' } })), { name: 'ThrottlingException' });
    const get = countsOf(counter.snapshot(), 'DynamoDB', 'GetItem');
    assert.deepEqual([get.requests, get.attempts, get.errors, get.failedAttempts, get.capacityUnits], [1, 2, 1, 2, 0]);
  });
});

describe('RequestCounter with s3rver', () => {
  it('counts PUTs, GETs and LISTs with their bytes', async () => {
    const s3 = s3Client(s3server.endpoint);
    const counter = new RequestCounter().attach(s3);
    const sizes = [1024, 100 * 1024, 1024 * 1024];
    for (const [i, size] of sizes.entries()) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `obj-${i}`, Body: Buffer.alloc(size, i) }));
    }
    const whole = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'obj-1' }));
    assert.equal((await whole.Body!.transformToByteArray()).byteLength, 100 * 1024);
    const ranged = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'obj-2', Range: 'bytes=1000-1999' }));
    assert.equal((await ranged.Body!.transformToByteArray()).byteLength, 1000);
    await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'obj-' }));

    const snapshot = counter.snapshot();
    assert.deepEqual(
      operationRows(snapshot).map((row) => [row.service, row.operation, row.requests, row.attempts]),
      [
        ['S3', 'GetObject', 2, 2],
        ['S3', 'ListObjectsV2', 1, 1],
        ['S3', 'PutObject', 3, 3],
      ],
    );
    const put = countsOf(snapshot, 'S3', 'PutObject');
    assert.equal(put.bytesSent, 1024 + 100 * 1024 + 1024 * 1024);
    assert.equal(put.capacityUnits, 0);
    assert.equal(put.items, 0);
    assert.equal(countsOf(snapshot, 'S3', 'GetObject').bytesReceived, 100 * 1024 + 1000);
  });

  it("counts a retried PUT as one request of two attempts; snapshots, diff and reset", async () => {
    const slowDown = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>injected by the test</Message></Error>';
    const endpoint = await faultyProxy(s3server.endpoint, 1, 503, 'application/xml', slowDown);
    const s3 = s3Client(endpoint, 3);
    const counter = new RequestCounter().attach(s3).attach(s3);
    const empty = counter.snapshot();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'retried', Body: Buffer.alloc(2048) }));
    const first = counter.snapshot();
    await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'retried' })).then((r) => r.Body!.transformToByteArray());
    const second = counter.snapshot();

    const put = countsOf(first, 'S3', 'PutObject');
    assert.deepEqual([put.requests, put.attempts, put.failedAttempts, put.errors], [1, 2, 1, 0]);
    assert.deepEqual(put.errorNames, { 'attempt:SlowDown': 1 });
    assert.equal(put.bytesSent, 2 * 2048, 'both attempts sent the body');

    assert.deepEqual(diffSnapshots(empty, first), first);
    const delta = counter.diff(first, second);
    assert.deepEqual(Object.keys(delta.services.S3 ?? {}), ['GetObject'], 'only what happened between the snapshots');
    assert.equal(countsOf(delta, 'S3', 'GetObject').bytesReceived, 2048);
    assert.equal(countsOf(first, 'S3', 'GetObject').requests, 0, 'a snapshot is a copy, not a view');

    counter.reset();
    assert.deepEqual(counter.snapshot(), { services: {} });
    counter.detach(s3);
    await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'retried' })).then((r) => r.Body!.transformToByteArray());
    assert.deepEqual(counter.snapshot(), { services: {} }, 'a detached client is no longer counted');
  });
});
