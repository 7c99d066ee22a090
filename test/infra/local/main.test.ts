import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { missingOnTarget } from '../../support/test-target';

/** `npm start` as a newcomer meets it: the real entry point in a child process. */
const ROOT = resolve(import.meta.dirname, '../../..');
const NODE = process.execPath;
const dirs: string[] = [];

after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-main-'));
  dirs.push(dir);
  return dir;
}

interface Run {
  output: () => string;
  exited: Promise<number | null>;
  kill: (signal: NodeJS.Signals) => void;
  waitFor: (text: string, timeoutMs?: number) => Promise<void>;
}

function start(env: NodeJS.ProcessEnv): Run {
  const child = spawn(NODE, ['--import', 'tsx', 'infra/local/main.ts'], {
    cwd: ROOT,
    env: { HOME: process.env.HOME, PATH: process.env.PATH, SLUICE_PORT: '0', SLUICE_DYNAMODB_PORT: '0', SLUICE_S3_PORT: '0', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return {
    output: () => output,
    exited,
    kill: (signal) => child.kill(signal),
    waitFor: async (text, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        if (Date.now() > deadline) throw new Error(`'${text}' not seen; output:\n${output}`);
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before '${text}'; output:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => done({ server, port: (server.address() as { port: number }).port }));
  });
}

// npm start with its embedded emulators (the external-endpoint start is test/localstack/through-edge.test.ts).
describe('npm start', { skip: missingOnTarget('emulators') }, () => {
  it('serves the API, prints its URL, and on Ctrl-C stops everything it started and exits 0', async () => {
    const run = start({ SLUICE_DATA_DIR: tempDir() });
    await run.waitFor('Stop with Ctrl-C.');
    const url = /API\s+(http:\/\/\S+)/.exec(run.output())![1]!;
    const ddb = /DynamoDB\s+(http:\/\/\S+)/.exec(run.output())![1]!;
    const created = await fetch(`${url}/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"smoke"}' });
    assert.equal(created.status, 201);
    run.kill('SIGINT');
    assert.equal(await run.exited, 0);
    await assert.rejects(fetch(ddb, { method: 'POST', signal: AbortSignal.timeout(2000) }), 'DynamoDB Local is stopped too');
  });

  it('exits 1 with a clear message when the API port is taken', async () => {
    const { server, port } = await listen();
    try {
      const run = start({ SLUICE_DATA_DIR: tempDir(), SLUICE_PORT: String(port) });
      assert.equal(await run.exited, 1);
      assert.match(run.output(), new RegExp(`error: Port ${port} for the Sluice API is already in use; set SLUICE_PORT`));
    } finally {
      server.close();
    }
  });

  it('exits 1 naming the endpoint when AWS_ENDPOINT_URL does not answer, and starts no emulator', async () => {
    const { server, port } = await listen();
    server.close();
    const run = start({ AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', SLUICE_DATA_DIR: tempDir() });
    assert.equal(await run.exited, 1);
    assert.match(run.output(), new RegExp(`error: Cannot reach DynamoDB at http://127.0.0.1:${port}`));
    assert.doesNotMatch(run.output(), /DynamoDB Local listening/);
  });

  it('exits 1 explaining that Java is needed when java is not on PATH', async () => {
    const run = start({ PATH: '/nonexistent', SLUICE_DATA_DIR: tempDir() });
    assert.equal(await run.exited, 1);
    assert.match(run.output(), /error: Java 17\+ is needed to run DynamoDB Local/);
  });
});
