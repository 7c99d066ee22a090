import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { regionOfApiUrl } from '../../../bin/cli/console';

/**
 * `sluice console` as a user runs it: the real command in its own process, with AWS
 * credentials in its environment, against an API stand-in that checks each SigV4
 * signature by computing it again.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ACCESS_KEY_ID = 'AKIDCONSOLETEST';
const SECRET_ACCESS_KEY = 'console-test-secret';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
let seen: Seen[] = [];
let api: Server;
let apiUrl: string;
const running: ChildProcess[] = [];

before(async () => {
  api = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"topics":[]}');
    });
  });
  await new Promise<void>((done) => api.listen(0, '127.0.0.1', done));
  apiUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
});

after(async () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  api.closeAllConnections();
  await new Promise((done) => api.close(done));
});

/** Starts `sluice console`; answers once it printed its first line (or exited). */
function startConsole(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; firstLine: string; exited: Promise<{ code: number | null; stderr: string }> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/sluice.ts', '--url', apiUrl, ...args], {
    cwd: ROOT,
    // No credentials but those given; no instance metadata service to wait for.
    env: { PATH: process.env.PATH, HOME: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true', ...env },
  });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<{ code: number | null; stderr: string }>((done) => child.on('close', (code) => done({ code, stderr })));
  return new Promise((done) => {
    child.stdout!.on('data', (c) => {
      stdout += c;
      if (stdout.includes('\n')) done({ child, firstLine: stdout.split('\n')[0]!, exited });
    });
    void exited.then(() => done({ child, firstLine: stdout.split('\n')[0] ?? '', exited }));
  });
}

function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<number> {
  return new Promise((done, fail) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', fail);
    req.end(options.body);
  });
}

/** Whether a request's SigV4 signature is the one the test's secret gives for what arrived. */
async function signatureVerifies(req: Seen): Promise<boolean> {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(String(req.headers.authorization));
  if (!auth) return false;
  const [, keyId, region, service, signedHeaders] = auth;
  const headers = Object.fromEntries(signedHeaders!.split(';').map((name) => [name, String(req.headers[name])]));
  const target = new URL(req.url, `http://${req.headers.host}`);
  const date = String(req.headers['x-amz-date']).replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
  const signer = new SignatureV4({ service: service!, region: region!, credentials: { accessKeyId: keyId!, secretAccessKey: SECRET_ACCESS_KEY }, sha256: Sha256 });
  const again = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: target.hostname, port: Number(target.port), path: target.pathname, query: Object.fromEntries(target.searchParams), headers, body: req.body || undefined },
    { signingDate: new Date(date) },
  );
  return again.headers.authorization === req.headers.authorization;
}

describe('sluice console', () => {
  it('signs every call with SigV4 from the credentials in its environment, and no header of the page reaches the API', { timeout: 60_000 }, async () => {
    seen = [];
    const { child, firstLine, exited } = await startConsole(['--json', 'console', '--iam', '--region', 'eu-west-1', '--port', '0'], { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY });
    const printed = JSON.parse(firstLine);
    assert.equal(printed.auth, 'iam');
    const page = { authorization: 'Bearer from-the-page', 'x-amz-security-token': 'from-the-page' };
    assert.equal(await call(`${printed.proxy}/v1/topics?limit=5&after=a%20b`, { headers: page }), 200);
    assert.equal(await call(`${printed.proxy}/v1/topics`, { method: 'POST', headers: { ...page, 'content-type': 'application/json' }, body: '{"name":"signed","partitions":2}' }), 200);
    assert.equal(seen.length, 2);
    for (const req of seen) {
      assert.match(String(req.headers.authorization), new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/\\d{8}/eu-west-1/execute-api/aws4_request`));
      assert.ok(await signatureVerifies(req), `the signature of ${req.method} ${req.url} verifies`);
      assert.equal(req.headers['x-amz-security-token'], undefined);
      assert.doesNotMatch(JSON.stringify(req.headers), /from-the-page/);
    }
    assert.equal(seen[1]!.body, '{"name":"signed","partitions":2}');
    child.kill('SIGINT');
    assert.equal((await exited).code, 0);
  });

  it('prints where to open the console, serves it there, and stops on Ctrl-C, closing its port', { timeout: 60_000 }, async () => {
    const { child, firstLine, exited } = await startConsole(['console', '--port', '0']);
    const consoleUrl = /^Sluice console at (http:\/\/127\.0\.0\.1:\d+\/console\/)$/.exec(firstLine)?.[1];
    assert.ok(consoleUrl, firstLine);
    assert.equal(await call(consoleUrl), 200);
    child.kill('SIGINT');
    const { code, stderr } = await exited;
    assert.equal(code, 0, stderr);
    await assert.rejects(call(consoleUrl), /ECONNREFUSED/);
  });

  it('exits 1 with NO_CREDENTIALS when --iam finds no AWS credentials', { timeout: 60_000 }, async () => {
    const { exited } = await startConsole(['console', '--iam', '--region', 'eu-west-1', '--port', '0']);
    const { code, stderr } = await exited;
    assert.equal(code, 1);
    assert.match(stderr, /^error: NO_CREDENTIALS: /);
  });

  it('exits 1 with PORT_IN_USE when the port is taken', { timeout: 60_000 }, async () => {
    const port = (api.address() as { port: number }).port;
    const { exited } = await startConsole(['--json', 'console', '--port', String(port)]);
    const { code, stderr } = await exited;
    assert.equal(code, 1);
    assert.equal(JSON.parse(stderr).error.code, 'PORT_IN_USE');
  });

  it('is a usage error (exit 2) to ask for token auth without a token', { timeout: 60_000 }, async () => {
    const { exited } = await startConsole(['console', '--auth', 'token', '--port', '0']);
    const { code, stderr } = await exited;
    assert.equal(code, 2);
    assert.match(stderr, /--auth token needs --token/);
  });

  it('is a usage error (exit 2) to ask for --iam with no region to sign for', { timeout: 60_000 }, async () => {
    const { exited } = await startConsole(['console', '--iam', '--port', '0'], { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY });
    const { code, stderr } = await exited;
    assert.equal(code, 2);
    assert.match(stderr, /--iam needs the API's region/);
  });

  it("takes --iam's region from an execute-api URL", () => {
    assert.equal(regionOfApiUrl('https://abc123.execute-api.ap-southeast-2.amazonaws.com'), 'ap-southeast-2');
    assert.equal(regionOfApiUrl('https://api.example.com'), undefined);
  });
});
