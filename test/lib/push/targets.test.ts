import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { standardWebhooksSecret, verifyDelivery } from '../../../lib/push/signature';
import { deliverToTarget } from '../../../lib/push/targets';
import { makeCertificates, type Certificates } from './certificates';

/**
 * The push targets through the real clients: the HTTPS target's fetch against an HTTP
 * server on loopback, and the Lambda target's @aws-sdk/client-lambda InvokeCommand
 * against an in-process emulator of the Lambda Invoke API
 * (POST /2015-03-31/functions/{FunctionName}/invocations), which the SDK is pointed at
 * the standard way, with AWS_ENDPOINT_URL_LAMBDA.
 */

const arn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Functions the emulator knows: `ok` returns normally, `fails` throws, `busy` is throttled while `throttled`. */
interface LambdaEmulator {
  url: string;
  invocations: (Received & { functionName: string })[];
  throttled: boolean;
  server: Server;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

async function startLambdaEmulator(): Promise<LambdaEmulator> {
  const emulator: LambdaEmulator = { url: '', invocations: [], throttled: true, server: undefined as unknown as Server };
  emulator.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url!, 'http://emulator').pathname;
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(path);
      const requestId = { 'x-amzn-requestid': `req-${emulator.invocations.length + 1}` };
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, { ...requestId, 'content-type': 'application/json', 'x-amzn-errortype': 'UnknownOperationException' }).end('{"Type":"User","message":"Unknown operation"}');
        return;
      }
      const functionName = decodeURIComponent(match[1]!);
      emulator.invocations.push({ functionName, path, headers: req.headers, body: Buffer.concat(chunks) });
      const json = (status: number, headers: Record<string, string>, body: unknown) =>
        res.writeHead(status, { ...requestId, 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      if (functionName === arn('ok')) {
        json(200, { 'x-amz-executed-version': '$LATEST' }, { handled: true });
      } else if (functionName === arn('fails')) {
        json(
          200,
          { 'x-amz-executed-version': '$LATEST', 'x-amz-function-error': 'Unhandled' },
          { errorType: 'TypeError', errorMessage: "Cannot read properties of undefined (reading 'records')", trace: ['TypeError: Cannot read properties…'] },
        );
      } else if (functionName === arn('busy') && emulator.throttled) {
        json(429, { 'x-amzn-errortype': 'TooManyRequestsException' }, { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', Type: 'User', message: 'Rate Exceeded.' });
      } else if (functionName === arn('busy')) {
        json(200, { 'x-amz-executed-version': '$LATEST' }, null);
      } else {
        json(404, { 'x-amzn-errortype': 'ResourceNotFoundException' }, { Type: 'User', Message: `Function not found: ${functionName}` });
      }
    });
  });
  emulator.url = await listen(emulator.server);
  return emulator;
}

/** A delivery id as deliverPartition gives it. */
const ID = 'msg_targets-test';

/** A delivery body as deliver-partition builds it (non-ASCII in the key, to catch any re-encoding). */
const BODY = JSON.stringify({
  group: 'g',
  topic: 't',
  partition: 0,
  deliveryAttempt: 1,
  records: [{ offset: 7, timestamp: 1_700_000_000_000, key: Buffer.from('ключ').toString('base64'), value: Buffer.from('v').toString('base64'), headers: [] }],
});

const rejection = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('the delivery should have failed');
};

let emulator: LambdaEmulator;

before(async () => {
  emulator = await startLambdaEmulator();
  // Read by the SDK when the target's client first sends; this process talks to no real AWS.
  Object.assign(process.env, { AWS_ENDPOINT_URL_LAMBDA: emulator.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test-secret' });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
});

after(() => {
  emulator?.server.close();
});

beforeEach(() => {
  emulator.invocations.length = 0;
  emulator.throttled = true;
});

describe('Lambda push target', () => {
  it('invokes the configured function ARN synchronously (RequestResponse) with exactly the body the HTTPS target POSTs', async () => {
    const posted: Received[] = [];
    const hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        posted.push({ path: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200).end();
      });
    });
    const hookUrl = await listen(hook);
    try {
      await deliverToTarget({ type: 'https', url: `${hookUrl}/hook` }, 'a-secret-of-sixteen+', BODY, ID);
      await deliverToTarget({ type: 'lambda', functionArn: arn('ok') }, 'a-secret-of-sixteen+', BODY, ID);
    } finally {
      hook.close();
    }
    assert.equal(posted.length, 1);
    assert.equal(emulator.invocations.length, 1);
    const invocation = emulator.invocations[0]!;
    assert.equal(invocation.functionName, arn('ok'));
    // Absent, the Invoke API defaults to RequestResponse; Event or DryRun would not wait for the function.
    assert.equal(invocation.headers['x-amz-invocation-type'] ?? 'RequestResponse', 'RequestResponse');
    assert.deepEqual(invocation.body, posted[0]!.body);
    assert.equal(invocation.body.toString('utf8'), BODY, ID);
  });

  it('signs the invoke with SigV4 for the lambda service in the configured region', async () => {
    await deliverToTarget({ type: 'lambda', functionArn: arn('ok') }, 'secret', BODY, ID);
    const authorization = String(emulator.invocations[0]?.headers.authorization);
    assert.match(authorization, /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/lambda\/aws4_request, /);
  });

  it('counts a function that returns normally as delivered', async () => {
    assert.equal(await deliverToTarget({ type: 'lambda', functionArn: arn('ok') }, 'secret', BODY, ID), undefined);
    assert.equal(emulator.invocations.length, 1);
  });

  it('fails the delivery on a function error (X-Amz-Function-Error), naming the function and the error type', async () => {
    const error = await rejection(deliverToTarget({ type: 'lambda', functionArn: arn('fails') }, 'secret', BODY, ID));
    assert.ok(error.message.includes(arn('fails')), error.message);
    assert.match(error.message, /Unhandled/);
    assert.match(error.message, /TypeError/);
    assert.equal(emulator.invocations.length, 1, 'a function error is not retried inside the attempt');
  });

  it('fails a throttled invoke (429 TooManyRequestsException) as retriable: the next attempt delivers once the throttle clears', async () => {
    const error = await rejection(deliverToTarget({ type: 'lambda', functionArn: arn('busy') }, 'secret', BODY, ID));
    assert.ok(error.message.includes(arn('busy')), error.message);
    assert.match(error.message, /TooManyRequestsException/);
    assert.ok(emulator.invocations.length >= 1);
    emulator.throttled = false;
    await deliverToTarget({ type: 'lambda', functionArn: arn('busy') }, 'secret', BODY, ID);
    assert.equal(emulator.invocations.at(-1)!.body.toString('utf8'), BODY, ID);
  });

  it('fails an invoke of a missing function (404 ResourceNotFoundException), naming it', async () => {
    const error = await rejection(deliverToTarget({ type: 'lambda', functionArn: arn('gone') }, 'secret', BODY, ID));
    assert.match(error.message, new RegExp(`^Lambda ${arn('gone').replace(/[$:]/g, '\\$&')}: ResourceNotFoundException`));
    assert.equal(emulator.invocations.length, 1, 'a missing function is not retried inside the attempt');
  });
});

describe('HTTPS push target failures', () => {
  let dir: string;
  let certificates: Certificates;
  const servers: Server[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-certs-'));
    certificates = makeCertificates(dir);
  });

  after(() => {
    for (const server of servers) server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function httpsTarget(tls: Certificates['selfSigned']): Promise<string> {
    const server = createHttpsServer(tls, (_req, res) => res.writeHead(200).end());
    servers.push(server);
    return `https${(await listen(server)).slice('http'.length)}/hook`;
  }

  it('names the target and the TLS cause of a self-signed certificate, not fetch’s "fetch failed"', async () => {
    const url = await httpsTarget(certificates.selfSigned);
    const error = await rejection(deliverToTarget({ type: 'https', url }, 'secret', BODY, ID));
    assert.equal(error.message, `target ${url}: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)`);
  });

  it('names the target and the TLS cause of an expired certificate', async () => {
    const url = await httpsTarget(certificates.expired);
    const error = await rejection(deliverToTarget({ type: 'https', url }, 'secret', BODY, ID));
    assert.equal(error.message, `target ${url}: certificate has expired (CERT_HAS_EXPIRED)`);
  });

  it('names the target and the refused connection of a port nothing listens on', async () => {
    const closed = createNetServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as { port: number }).port;
    await new Promise((done) => closed.close(done));
    const url = `http://127.0.0.1:${port}/hook`;
    const error = await rejection(deliverToTarget({ type: 'https', url }, 'secret', BODY, ID));
    assert.equal(error.message, `target ${url}: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('names the target and the status of a non-2xx answer, but not the answer’s body', async () => {
    const server = createServer((_req, res) => res.writeHead(503, 'Internal Reason').end('secret internal page'));
    servers.push(server);
    const url = `${await listen(server)}/hook`;
    const error = await rejection(deliverToTarget({ type: 'https', url }, 'secret', BODY, ID));
    assert.equal(error.message, `target ${url}: answered HTTP 503`);
  });

  it('leaves the query of the target URL out of the reason', async () => {
    const url = await httpsTarget(certificates.selfSigned);
    const error = await rejection(deliverToTarget({ type: 'https', url: `${url}?token=abc` }, 'secret', BODY, ID));
    assert.equal(error.message, `target ${url}: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)`);
  });

  it('leaves credentials of the target URL out of the reason, where fetch quotes the whole URL', async () => {
    const url = await httpsTarget(certificates.selfSigned);
    const withSecrets = new URL(url);
    withSecrets.username = 'user';
    withSecrets.password = 'hunter2';
    withSecrets.search = '?token=abc';
    const error = await rejection(deliverToTarget({ type: 'https', url: withSecrets.href }, 'secret', BODY, ID));
    assert.ok(error.message.startsWith(`target ${url}: `), error.message);
    assert.ok(!/hunter2|token|user/.test(error.message), error.message);
  });
});

describe('HTTPS push target signature', () => {
  it('sends the delivery id with a Standard Webhooks signature the standardwebhooks library verifies, and the legacy sluice-signature beside it', async () => {
    const secret = 'a-secret-of-sixteen+ünïcode';
    const posted: Received[] = [];
    const hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        posted.push({ path: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200).end();
      });
    });
    const hookUrl = await listen(hook);
    try {
      await deliverToTarget({ type: 'https', url: `${hookUrl}/hook` }, secret, BODY, ID);
    } finally {
      hook.close();
    }
    const { headers, body } = posted[0]!;
    assert.equal(headers['webhook-id'], ID);
    const received = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
    assert.deepEqual(new Webhook(standardWebhooksSecret(secret)).verify(body.toString('utf8'), received), JSON.parse(BODY));
    assert.throws(() => new Webhook(standardWebhooksSecret(`${secret}x`)).verify(body.toString('utf8'), received), /No matching signature/);
    assert.ok(verifyDelivery(secret, body.toString('utf8'), String(headers['sluice-signature']), Date.now()));
  });
});
