import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { LocalWatchApi, WATCH_MESSAGE_MAX_BYTES, WATCH_PATH, type WebSocketTarget } from '../../../infra/local/watch-api';
import { TestWatchClient } from '../../support/watch-client';

/**
 * The local emulation of API Gateway's WebSocket API alone (no storage): route selection,
 * the events handlers get, the MOCK ping, the management API through the real SDK client,
 * and the limits API Gateway enforces (message size, idle timeout, connection lifetime),
 * and `$disconnect` however a connection ends.
 */
const events: any[] = [];
/** `$disconnect` events, kept apart: they come whenever an earlier test's connection closes. */
const disconnects: any[] = [];
let refuseConnect = false;
const target = (functionName: string, answer: () => unknown = () => ({ statusCode: 200 }), into = events): WebSocketTarget => ({
  functionName,
  timeoutSeconds: 5,
  handler: async (event) => {
    into.push(event);
    return answer();
  },
});

function platform(options: { idleTimeoutMs?: number; maxConnectionMs?: number } = {}): Promise<{ server: Server; api: LocalWatchApi; url: string; endpoint: string }> {
  const api = new LocalWatchApi({
    routes: new Map([
      ['$connect', target('watch-connect', () => ({ statusCode: refuseConnect ? 403 : 200 }))],
      ['watch', target('watch')],
      ['$default', target('watch')],
      ['$disconnect', target('watch-disconnect', undefined, disconnects)],
    ]),
    ...options,
  });
  const server = createServer((req, res) => {
    if (!api.handleManagement(req, res)) res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket, head) => api.handleUpgrade(req, socket, head));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ server, api, url: `ws://127.0.0.1:${port}${WATCH_PATH}`, endpoint: `http://127.0.0.1:${port}` });
    }),
  );
}

let main: Awaited<ReturnType<typeof platform>>;
let management: ApiGatewayManagementApiClient;

before(async () => {
  // No token configured: connections are anonymous, as with `npm start` without tokens.
  delete process.env.SLUICE_AUTH_MODE;
  main = await platform();
  management = new ApiGatewayManagementApiClient({ endpoint: main.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

after(() => {
  main.api.close();
  main.server.close();
});

/** The connection id the handlers saw for the client's next message. */
async function connectionIdOf(client: TestWatchClient): Promise<string> {
  const before = events.length;
  client.send({ action: 'watch', partitions: [] });
  while (events.length === before) await new Promise((resolve) => setImmediate(resolve));
  return events.at(-1).requestContext.connectionId;
}

describe('local WebSocket API', { timeout: 30_000 }, () => {
  it('runs $connect with a CONNECT event carrying the query, then routes messages by action with MESSAGE events', async () => {
    const client = await TestWatchClient.open(`${main.url}?token=abc`);
    const connect = events.find((e) => e.requestContext.eventType === 'CONNECT' && e.queryStringParameters?.token === 'abc');
    assert.ok(connect);
    assert.equal(connect.requestContext.routeKey, '$connect');
    const id = await connectionIdOf(client);
    assert.equal(id, connect.requestContext.connectionId);
    const message = events.at(-1);
    assert.equal(message.requestContext.routeKey, 'watch');
    assert.equal(message.requestContext.eventType, 'MESSAGE');
    assert.equal(message.requestContext.authorizer.principalId, 'anonymous');
    assert.deepEqual(JSON.parse(message.body), { action: 'watch', partitions: [] });
    client.close();
  });

  it('routes non-JSON and unknown actions to $default', async () => {
    const client = await TestWatchClient.open(main.url);
    for (const body of ['not json', JSON.stringify({ action: 'subscribe' }), JSON.stringify({ action: '$connect' })]) {
      const before = events.length;
      client.send(body);
      while (events.length === before) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(events.at(-1).requestContext.routeKey, '$default', body);
      assert.equal(events.at(-1).body, body);
    }
    client.close();
  });

  it('answers ping with pong without a function, as the MOCK route does', async () => {
    const client = await TestWatchClient.open(main.url);
    const before = events.length;
    client.send({ action: 'ping' });
    assert.deepEqual(await client.next(), { type: 'pong' });
    assert.equal(events.length, before);
    client.close();
  });

  it('refuses the connect when $connect answers non-2xx', async () => {
    refuseConnect = true;
    try {
      await assert.rejects(TestWatchClient.open(main.url));
    } finally {
      refuseConnect = false;
    }
  });

  it('refuses a connect on another path', async () => {
    await assert.rejects(TestWatchClient.open(main.url.replace(WATCH_PATH, '/v1/other')));
  });

  it('posts, describes and closes connections through the management API with the real SDK client', async () => {
    const client = await TestWatchClient.open(main.url);
    const id = await connectionIdOf(client);
    await management.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from(JSON.stringify({ type: 'ready', topic: 't', partition: 0, highWatermark: 3 })) }));
    assert.deepEqual(await client.next(), { type: 'ready', topic: 't', partition: 0, highWatermark: 3 });
    const described = await management.send(new GetConnectionCommand({ ConnectionId: id }));
    assert.ok(described.ConnectedAt instanceof Date && described.ConnectedAt.getTime() > 0);
    assert.equal(described.Identity?.SourceIp, '127.0.0.1');
    await management.send(new DeleteConnectionCommand({ ConnectionId: id }));
    assert.equal((await client.closed).code, 1000);
  });

  it('answers 410 GoneException for a connection that is closed or never was', async () => {
    await assert.rejects(management.send(new PostToConnectionCommand({ ConnectionId: 'no-such-connection', Data: Buffer.from('{}') })), { name: 'GoneException' });
    const client = await TestWatchClient.open(main.url);
    const id = await connectionIdOf(client);
    client.close();
    await client.closed;
    while (main.api.isOpen(id)) await new Promise((resolve) => setImmediate(resolve));
    await assert.rejects(management.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('{}') })), { name: 'GoneException' });
  });

  it('runs $disconnect once, with a DISCONNECT event of the connection, when the client closes it; a post to it is then 410', async () => {
    const client = await TestWatchClient.open(main.url);
    const id = await connectionIdOf(client);
    client.close();
    await client.closed;
    await main.api.disconnected();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const mine = disconnects.filter((e) => e.requestContext.connectionId === id);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].requestContext.routeKey, '$disconnect');
    assert.equal(mine[0].requestContext.eventType, 'DISCONNECT');
    await assert.rejects(management.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('{}') })), { name: 'GoneException' });
  });

  it('runs $disconnect when the server closes a connection (management API DELETE)', async () => {
    const client = await TestWatchClient.open(main.url);
    const id = await connectionIdOf(client);
    await management.send(new DeleteConnectionCommand({ ConnectionId: id }));
    await client.closed;
    await main.api.disconnected();
    assert.equal(disconnects.filter((e) => e.requestContext.connectionId === id).length, 1);
  });

  it(`closes a connection that sends a message over ${WATCH_MESSAGE_MAX_BYTES} bytes (1009)`, async () => {
    const client = await TestWatchClient.open(main.url);
    client.send('x'.repeat(WATCH_MESSAGE_MAX_BYTES + 1));
    assert.equal((await client.closed).code, 1009);
  });

  it('closes a connection idle past the idle timeout, and any connection past its maximum duration (1001)', async () => {
    const short = await platform({ idleTimeoutMs: 200, maxConnectionMs: 60_000 });
    const lived = await platform({ idleTimeoutMs: 60_000, maxConnectionMs: 300 });
    try {
      const disconnectsBefore = disconnects.length;
      const idle = await TestWatchClient.open(short.url);
      assert.equal((await idle.closed).code, 1001);
      const busy = await TestWatchClient.open(lived.url);
      const pinging = setInterval(() => busy.send({ action: 'ping' }), 50);
      assert.equal((await busy.closed).code, 1001);
      clearInterval(pinging);
      await Promise.all([short.api.disconnected(), lived.api.disconnected()]);
      assert.equal(disconnects.length - disconnectsBefore, 2, 'each closed connection ran $disconnect');
    } finally {
      for (const p of [short, lived]) {
        p.api.close();
        p.server.close();
      }
    }
  });
});
