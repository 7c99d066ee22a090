import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

/** The CLI's authentication options, against a server that records what it was sent. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let server: Server;
let url: string;
let seen: IncomingHttpHeaders[] = [];

before(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"topics":[]}');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(() => server.close());

function sluice(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/sluice.ts', '--url', url, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: '/nonexistent', ...env },
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('sluice --auth', () => {
  it('signs requests with SigV4 from the standard credential chain (here, the environment)', async () => {
    seen = [];
    const result = await sluice(['--auth', 'iam', 'topics', 'list'], { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'eu-west-1' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(String(seen[0]?.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request/);
  });

  it('sends a bearer token given by SLUICE_TOKEN', async () => {
    seen = [];
    const result = await sluice(['topics', 'list'], { SLUICE_TOKEN: 't-123' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(seen[0]?.authorization, 'Bearer t-123');
  });

  it('sends no credentials by default', async () => {
    seen = [];
    await sluice(['topics', 'list'], {});
    assert.equal(seen[0]?.authorization, undefined);
  });
});
