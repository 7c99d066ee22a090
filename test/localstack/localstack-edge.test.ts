import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient, ListStreamsCommand } from '@aws-sdk/client-dynamodb-streams';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { edgeServiceOf, startLocalStackEdge, type EdgeService, type LocalStackEdge } from '../support/localstack-edge';

/** The LocalStack-shaped edge's routing (test/support/localstack-edge.ts), against recording upstreams. */
const scope = (service: string) => `AWS4-HMAC-SHA256 Credential=test/20261207/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`;

describe('edgeServiceOf', () => {
  it('routes by the service of the Authorization header credential scope', () => {
    assert.equal(edgeServiceOf({ authorization: scope('dynamodb') }), 'dynamodb');
    assert.equal(edgeServiceOf({ authorization: scope('s3') }), 's3');
  });

  it('tells DynamoDB Streams, signed as dynamodb, by its X-Amz-Target; streams.dynamodb routes there too', () => {
    assert.equal(edgeServiceOf({ authorization: scope('dynamodb'), 'x-amz-target': 'DynamoDBStreams_20120810.GetRecords' }), 'dynamodbstreams');
    assert.equal(edgeServiceOf({ authorization: scope('dynamodb'), 'x-amz-target': 'DynamoDB_20120810.Query' }), 'dynamodb');
    assert.equal(edgeServiceOf({ authorization: scope('streams.dynamodb') }), 'dynamodbstreams');
  });

  it("routes a presigned URL by its X-Amz-Credential query parameter", () => {
    const credential = encodeURIComponent('test/20261207/us-east-1/s3/aws4_request');
    assert.equal(edgeServiceOf({}, `/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${credential}&X-Amz-Signature=abc`), 's3');
  });

  it('routes nothing without a credential scope, or for a service it does not serve', () => {
    assert.equal(edgeServiceOf({}), undefined);
    assert.equal(edgeServiceOf({ authorization: 'Bearer token' }), undefined);
    assert.equal(edgeServiceOf({ authorization: scope('lambda') }), undefined);
  });
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

/** An upstream that records what it got and answers its own name, a repeated header and the body back. */
async function upstream(name: string, seen: Seen[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body });
      res.writeHead(207, [
        ['x-upstream', name],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
      ]);
      res.end(body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('the edge server', () => {
  const seen: Record<EdgeService, Seen[]> = { dynamodb: [], dynamodbstreams: [], s3: [] };
  const servers: Server[] = [];
  let edge: LocalStackEdge;

  before(async () => {
    const [ddb, streams, s3] = await Promise.all([upstream('dynamodb', seen.dynamodb), upstream('dynamodbstreams', seen.dynamodbstreams), upstream('s3', seen.s3)]);
    servers.push(ddb.server, streams.server, s3.server);
    edge = await startLocalStackEdge({ dynamodb: ddb.url, dynamodbstreams: streams.url, s3: s3.url });
  });

  after(async () => {
    await edge?.stop();
    for (const server of servers) server.close();
  });

  it("sends each AWS SDK client's requests to its service's upstream: DynamoDB, DynamoDB Streams, path-style S3", async () => {
    const config = { region: 'us-east-1', endpoint: edge.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
    const ddb = new DynamoDBClient(config);
    const streams = new DynamoDBStreamsClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    // The upstreams answer nonsense for AWS: each call fails to parse, after the request was seen.
    await ddb.send(new ListTablesCommand({})).catch(() => undefined);
    await streams.send(new ListStreamsCommand({})).catch(() => undefined);
    await s3.send(new GetObjectCommand({ Bucket: 'a-bucket', Key: 'a/key' })).catch(() => undefined);
    for (const client of [ddb, streams, s3]) client.destroy();
    assert.equal(seen.dynamodb.at(-1)?.headers['x-amz-target'], 'DynamoDB_20120810.ListTables');
    assert.equal(seen.dynamodbstreams.at(-1)?.headers['x-amz-target'], 'DynamoDBStreams_20120810.ListStreams');
    assert.equal(seen.s3.at(-1)?.url.split('?')[0], '/a-bucket/a/key');
    assert.deepEqual(edge.counts, { dynamodb: 1, dynamodbstreams: 1, s3: 1, unrouted: 0 });
  });

  it('passes the method, path, headers (Host and repeats included) and body through, and the answer back unchanged', async () => {
    const body = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 256));
    const edgeUrl = new URL(edge.url);
    const answer = await new Promise<{ status: number; rawHeaders: string[]; body: Buffer }>((done, fail) => {
      const req = request(
        {
          host: edgeUrl.hostname,
          port: edgeUrl.port,
          method: 'PUT',
          path: '/bucket/some%20key?partNumber=1',
          headers: [['Authorization', scope('s3')], ['Host', 'bucket-host.example'], ['X-Amz-Meta-Twice', 'one'], ['X-Amz-Meta-Twice', 'two'], ['Content-Length', String(body.length)]].flat(),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => done({ status: res.statusCode!, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
        },
      );
      req.on('error', fail);
      req.end(body);
    });
    const got = seen.s3.at(-1)!;
    assert.equal(got.method, 'PUT');
    assert.equal(got.url, '/bucket/some%20key?partNumber=1');
    assert.equal(got.headers.host, 'bucket-host.example');
    assert.deepEqual(
      got.rawHeaders.filter((_, i, all) => i % 2 === 1 && all[i - 1] === 'X-Amz-Meta-Twice'),
      ['one', 'two'],
    );
    assert.ok(got.body.equals(body));
    assert.equal(answer.status, 207);
    assert.ok(answer.body.equals(body));
    assert.deepEqual(
      answer.rawHeaders.filter((_, i, all) => i % 2 === 1 && all[i - 1] === 'Set-Cookie'),
      ['a=1', 'b=2'],
    );
  });

  it('answers 400 to a request it cannot attribute to a service, and counts it', async () => {
    const before = edge.counts.unrouted;
    const response = await fetch(`${edge.url}/`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 400);
    assert.equal(edge.counts.unrouted, before + 1);
  });

  it('answers 502 when the upstream does not answer', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((done) => closed.close(() => done()));
    const lonely = await startLocalStackEdge({ dynamodb: deadUrl, dynamodbstreams: deadUrl, s3: deadUrl });
    try {
      const response = await fetch(`${lonely.url}/`, { method: 'POST', headers: { authorization: scope('dynamodb') }, body: '{}' });
      assert.equal(response.status, 502);
    } finally {
      await lonely.stop();
    }
  });
});
