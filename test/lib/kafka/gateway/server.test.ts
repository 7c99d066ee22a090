import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authConfigFromEnv } from '../../../../lib/auth/auth-config';
import type { SluiceContext } from '../../../../lib/core/context';
import { KafkaGateway } from '../../../../lib/kafka/gateway/server';
import { ROUTES } from '../../../../lib/kafka/gateway/handlers/index';
import { API_VERSIONS } from '../../../../lib/kafka/messages/api-versions';
import { decodeResponseFrame, encodeRequestFrame } from '../../../../lib/kafka/messages/frames';
import { METADATA } from '../../../../lib/kafka/messages/metadata';
import { SASL_AUTHENTICATE } from '../../../../lib/kafka/messages/sasl-authenticate';
import { SASL_HANDSHAKE } from '../../../../lib/kafka/messages/sasl-handshake';
import { KAFKA_ERRORS } from '../../../../lib/kafka/error-codes';
import { SUPPORTED_APIS, supportedVersionRanges } from '../../../../lib/kafka/messages/supported-apis';
import { KafkaWriter } from '../../../../lib/kafka/wire/writer';
import { RawKafkaConnection } from '../../../support/kafka-wire-client';

// ApiVersions and the connection's limits touch no storage: a context that fails if used.
const noStorage = new Proxy({}, { get: (_t, name) => { throw new Error(`storage used: ${String(name)}`); } }) as SluiceContext;

const allTopics = { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };

describe('Kafka gateway server', () => {
  let gateway: KafkaGateway;
  let tokenGateway: KafkaGateway;
  const logged: string[] = [];
  const open: RawKafkaConnection[] = [];
  const connect = async (port = gateway.port) => {
    const connection = await RawKafkaConnection.connect(port);
    open.push(connection);
    return connection;
  };

  before(async () => {
    gateway = await KafkaGateway.start({
      ctx: noStorage,
      auth: authConfigFromEnv({}),
      host: '127.0.0.1',
      port: 0,
      limits: { maxFrameBytes: 1024, frameTimeoutMs: 300, idleTimeoutMs: 600, maxInFlight: 4 },
      log: (line) => logged.push(line),
    });
    tokenGateway = await KafkaGateway.start({ ctx: noStorage, auth: authConfigFromEnv({ SLUICE_AUTH_TOKEN: 'secret', SLUICE_AUTH_MODE: 'token' }), host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    for (const connection of open) connection.close();
    await gateway.stop();
    await tokenGateway.stop();
  });

  it('has a handler for every supported API', () => {
    assert.deepEqual([...ROUTES.keys()].sort(), SUPPORTED_APIS.map((api) => api.key).sort());
  });

  it('answers ApiVersions at v0-v3 with the supported table, and advertises itself as node 0', async () => {
    const connection = await connect();
    for (let v = 0; v <= 3; v++) {
      const { body } = await connection.request(API_VERSIONS, v, { clientSoftwareName: 'sluice-test', clientSoftwareVersion: '1.0' });
      assert.deepEqual(body, { errorCode: 0, apiKeys: supportedVersionRanges(), throttleTimeMs: 0 }, `v${v}`);
    }
    assert.deepEqual(gateway.broker, { nodeId: 0, host: '127.0.0.1', port: gateway.port });
  });

  it('answers an ApiVersions version it does not support with UNSUPPORTED_VERSION at v0, and keeps the connection', async () => {
    const connection = await connect();
    const correlationId = 41;
    // A v4 request (a flexible header, a body the gateway does not read).
    connection.write(encodeRequestFrame({ ...API_VERSIONS, maxVersion: 99 }, { apiVersion: 4, correlationId, clientId: 'new-client' }, { clientSoftwareName: 'x', clientSoftwareVersion: 'y' }));
    const answer = decodeResponseFrame(API_VERSIONS, 0, await connection.nextFrame());
    assert.deepEqual(answer, { correlationId, body: { errorCode: 35, apiKeys: supportedVersionRanges(), throttleTimeMs: 0 } });
    const { body } = await connection.request(API_VERSIONS, 3, { clientSoftwareName: 'x', clientSoftwareVersion: 'y' });
    assert.equal(body.errorCode, 0);
  });

  it('answers pipelined requests in request order', async () => {
    const connection = await connect();
    const frames = Array.from({ length: 10 }, (_, i) => encodeRequestFrame(API_VERSIONS, { apiVersion: i % 4, correlationId: 100 + i, clientId: null }, { clientSoftwareName: 'a', clientSoftwareVersion: 'b' }));
    connection.write(Buffer.concat(frames));
    for (let i = 0; i < 10; i++) {
      assert.equal(decodeResponseFrame(API_VERSIONS, i % 4, await connection.nextFrame()).correlationId, 100 + i);
    }
  });

  it('takes a frame split at every byte boundary', async () => {
    const connection = await connect();
    const frame = encodeRequestFrame(API_VERSIONS, { apiVersion: 3, correlationId: 5, clientId: 'split' }, { clientSoftwareName: 'a', clientSoftwareVersion: 'b' });
    for (const byte of frame) {
      connection.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(decodeResponseFrame(API_VERSIONS, 3, await connection.nextFrame()).correlationId, 5);
  });

  it('closes the connection on an unknown API key', async () => {
    const connection = await connect();
    const w = new KafkaWriter().int32(0).int16(9999).int16(0).int32(1).nullableString(null);
    w.setInt32(0, w.length - 4);
    connection.write(w.toBuffer());
    assert.equal(await connection.closesWithin(2_000), true);
    assert.ok(logged.some((line) => line.includes('unknown API key 9999')));
  });

  it('closes the connection on an unsupported version of an API other than ApiVersions', async () => {
    const connection = await connect();
    connection.write(encodeRequestFrame({ ...METADATA, maxVersion: 13 }, { apiVersion: 13, correlationId: 1, clientId: null }, allTopics));
    assert.equal(await connection.closesWithin(2_000), true);
  });

  it('closes the connection on a frame over the maximum size, before receiving it', async () => {
    const connection = await connect();
    const size = Buffer.alloc(4);
    size.writeInt32BE(1025);
    connection.write(size);
    assert.equal(await connection.closesWithin(2_000), true);
    const negative = await connect();
    negative.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    assert.equal(await negative.closesWithin(2_000), true);
  });

  it('closes the connection on a malformed frame (a string longer than the frame)', async () => {
    const connection = await connect();
    const w = new KafkaWriter().int32(0).int16(18).int16(0).int32(1).int16(500).raw(Buffer.from('short'));
    w.setInt32(0, w.length - 4);
    connection.write(w.toBuffer());
    assert.equal(await connection.closesWithin(2_000), true);
    assert.ok(logged.some((line) => line.includes('malformed request')));
  });

  it('closes a slow-loris connection whose frame does not arrive whole in time', async () => {
    const connection = await connect();
    const frame = encodeRequestFrame(API_VERSIONS, { apiVersion: 0, correlationId: 1, clientId: 'slow' }, { clientSoftwareName: '', clientSoftwareVersion: '' });
    connection.write(frame.subarray(0, 6));
    // Trickle one byte every 100 ms: always active, never done within the 300 ms frame timeout.
    const trickle = setInterval(() => connection.isClosed || connection.write(Buffer.from([0])), 100);
    try {
      assert.equal(await connection.closesWithin(2_000), true);
    } finally {
      clearInterval(trickle);
    }
    assert.ok(logged.some((line) => line.includes('did not arrive whole')));
  });

  it('closes an idle connection, not an active one', async () => {
    const idle = await connect();
    const active = await connect();
    const keepAlive = setInterval(() => active.send(API_VERSIONS, 0, { clientSoftwareName: '', clientSoftwareVersion: '' }), 150);
    try {
      assert.equal(await idle.closesWithin(2_000), true);
      assert.equal(active.isClosed, false);
    } finally {
      clearInterval(keepAlive);
    }
  });

  it('survives random garbage on many connections, still answering a well-behaved one', async () => {
    const garbage = await Promise.all(Array.from({ length: 20 }, () => connect()));
    for (const [i, connection] of garbage.entries()) {
      const bytes = Buffer.alloc(64 + i * 7);
      for (let j = 0; j < bytes.length; j++) bytes[j] = (j * 31 + i * 17) & 0xff;
      bytes.writeInt32BE(bytes.length - 4 - (i % 3), 0);
      connection.write(bytes);
    }
    const good = await connect();
    const { body } = await good.request(API_VERSIONS, 2, { clientSoftwareName: '', clientSoftwareVersion: '' });
    assert.equal(body.errorCode, 0);
  });

  it('closes a Metadata request on a connection that has not authenticated (token mode)', async () => {
    const connection = await connect(tokenGateway.port);
    const { body } = await connection.request(API_VERSIONS, 3, { clientSoftwareName: '', clientSoftwareVersion: '' });
    assert.equal(body.errorCode, 0);
    connection.send(METADATA, 12, allTopics);
    assert.equal(await connection.closesWithin(2_000), true);
  });

  const plain = (username: string, password: string, authzid = '') => ({ authBytes: Buffer.from(`${authzid}\u0000${username}\u0000${password}`) });

  it('authenticates SASL/PLAIN with a bearer token (username empty or the principal), and stays open', async () => {
    for (const username of ['', 'local']) {
      for (const v of [0, 1, 2]) {
        const connection = await connect(tokenGateway.port);
        const handshake = await connection.request(SASL_HANDSHAKE, 1, { mechanism: 'PLAIN' });
        assert.deepEqual(handshake.body, { errorCode: 0, mechanisms: ['PLAIN'] });
        const { body } = await connection.request(SASL_AUTHENTICATE, v, plain(username, 'secret'));
        assert.deepEqual(body, { errorCode: 0, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 }, `v${v}`);
        assert.equal((await connection.request(API_VERSIONS, 3, { clientSoftwareName: '', clientSoftwareVersion: '' })).body.errorCode, 0);
        assert.equal(connection.isClosed, false);
      }
    }
  });

  it('after a SaslHandshake v0, takes the bare PLAIN frame: an empty frame answers a good token, a bad one closes', async () => {
    const frame = (text: string) => {
      const bytes = Buffer.from(text);
      const sized = Buffer.alloc(4 + bytes.length);
      sized.writeInt32BE(bytes.length, 0);
      bytes.copy(sized, 4);
      return sized;
    };
    const good = await connect(tokenGateway.port);
    assert.equal((await good.request(SASL_HANDSHAKE, 0, { mechanism: 'PLAIN' })).body.errorCode, 0);
    good.write(frame('\u0000local\u0000secret'));
    assert.equal((await good.nextFrame()).length, 0);
    assert.equal((await good.request(API_VERSIONS, 3, { clientSoftwareName: '', clientSoftwareVersion: '' })).body.errorCode, 0);
    const bad = await connect(tokenGateway.port);
    await bad.request(SASL_HANDSHAKE, 0, { mechanism: 'PLAIN' });
    bad.write(frame('\u0000local\u0000wrong'));
    assert.equal(await bad.closesWithin(2_000), true);
  });

  it('answers a wrong token, a username naming someone else or a malformed PLAIN message with SASL_AUTHENTICATION_FAILED, then closes', async () => {
    for (const request of [plain('', 'wrong'), plain('someone-else', 'secret'), plain('', 'secret', 'someone-else'), { authBytes: Buffer.from('secret') }, { authBytes: Buffer.from([0, 0xff, 0, 0x80]) }]) {
      const connection = await connect(tokenGateway.port);
      await connection.request(SASL_HANDSHAKE, 1, { mechanism: 'PLAIN' });
      const { body } = await connection.request(SASL_AUTHENTICATE, 2, request);
      assert.equal(body.errorCode, KAFKA_ERRORS.SASL_AUTHENTICATION_FAILED);
      assert.match(body.errorMessage!, /^Authentication failed/);
      assert.equal(await connection.closesWithin(2_000), true);
    }
  });

  it('answers an unknown mechanism UNSUPPORTED_SASL_MECHANISM with the enabled list, and a SaslAuthenticate without a handshake ILLEGAL_SASL_STATE; both then close', async () => {
    const scram = await connect(tokenGateway.port);
    assert.deepEqual((await scram.request(SASL_HANDSHAKE, 1, { mechanism: 'SCRAM-SHA-256' })).body, { errorCode: KAFKA_ERRORS.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN'] });
    assert.equal(await scram.closesWithin(2_000), true);
    const early = await connect(tokenGateway.port);
    assert.equal((await early.request(SASL_AUTHENTICATE, 1, plain('', 'secret'))).body.errorCode, KAFKA_ERRORS.ILLEGAL_SASL_STATE);
    assert.equal(await early.closesWithin(2_000), true);
  });

  it('with auth mode none, accepts SASL/PLAIN whatever the credentials (the connection stays anonymous)', async () => {
    const connection = await connect();
    await connection.request(SASL_HANDSHAKE, 1, { mechanism: 'PLAIN' });
    assert.equal((await connection.request(SASL_AUTHENTICATE, 1, plain('anyone', 'anything'))).body.errorCode, 0);
    // A second handshake on an authenticated connection is refused.
    assert.equal((await connection.request(SASL_HANDSHAKE, 1, { mechanism: 'PLAIN' })).body.errorCode, KAFKA_ERRORS.ILLEGAL_SASL_STATE);
    assert.equal(await connection.closesWithin(2_000), true);
  });

  it('stops, closing its connections', async () => {
    const extra = await KafkaGateway.start({ ctx: noStorage, auth: authConfigFromEnv({}), host: '127.0.0.1', port: 0 });
    const connection = await RawKafkaConnection.connect(extra.port);
    await extra.stop();
    assert.equal(await connection.closesWithin(2_000), true);
    assert.equal(extra.connectionCount, 0);
  });
});
