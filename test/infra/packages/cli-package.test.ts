import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { buildCli } from '../../../infra/packages/build-cli';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * The CLI package as a user gets it: built, packed with `npm pack`, installed globally
 * into a prefix outside the repository (so nothing of the repository's node_modules, no
 * tsx and no TypeScript, can be found from it), and run as the `sluice` it installs.
 */
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const run = promisify(execFile);

let work: string;
let prefix: string;
let platform: TestPlatform;
/** The environment the installed CLI runs in: this Node (22) first on PATH, no NODE_OPTIONS (the tests' tsx loader) and no npm config from the test run. */
let env: NodeJS.ProcessEnv;

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'sluice-cli-package-'));
  prefix = path.join(work, 'prefix');
  env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_OPTIONS' && !name.toLowerCase().startsWith('npm_')));
  env.PATH = [path.dirname(process.execPath), process.env.PATH].join(path.delimiter);
  env.npm_config_cache = path.join(work, 'npm-cache');
  env.npm_config_update_notifier = 'false';
  const [built] = await Promise.all([buildCli(path.join(work, 'package')), startTestPlatform().then((p) => (platform = p))]);
  const { stdout } = await run('npm', ['pack', built.outDir, '--pack-destination', work, '--silent'], { env, cwd: work });
  const tarball = path.join(work, stdout.trim().split('\n').pop()!);
  await run('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { env, cwd: work });
});
after(async () => {
  await platform?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function sluice(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(path.join(prefix, 'bin', 'sluice'), args, { cwd: work, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', fail);
    child.on('exit', (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('the sluice CLI package (npm pack, npm install -g)', () => {
  test('installs with no dependencies: nothing but its own files, no TypeScript or build tools', () => {
    const installed = path.join(prefix, 'lib', 'node_modules', 'sluice');
    const pkg = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
    assert.equal(pkg.dependencies, undefined);
    assert.deepEqual(pkg.bin, { sluice: './bin/sluice.js' });
    assert.equal(pkg.engines.node, '>=22');
    assert.ok(!existsSync(path.join(installed, 'node_modules')), 'the install pulled dependencies');
    assert.deepEqual(readdirSync(installed).sort(), ['LICENSE', 'README.md', 'bin', 'console', 'package.json']);
    assert.deepEqual(readdirSync(path.join(installed, 'console')).sort(), ['app.css', 'app.js', 'index.html']);
    const code = readdirSync(path.join(installed, 'bin'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(path.join(entry.parentPath, entry.name), 'utf8'))
      .join('\n');
    assert.doesNotMatch(code, /from\s*["'](tsx|typescript|esbuild|aws-cdk-lib)["'/]/);
  });

  test('sluice --help exits 0 and lists the commands', async () => {
    const r = await sluice(['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: sluice \[options\] \[command\]/);
    for (const command of ['topics', 'produce', 'consume', 'groups']) assert.match(r.stdout, new RegExp(`^\\s+${command}\\b`, 'm'), `${command} in --help`);
    assert.equal(r.stderr, '');
  });

  test("sluice --version exits 0 and prints the package's version", async () => {
    const r = await sluice(['--version']);
    assert.equal(r.code, 0, r.stderr);
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    assert.equal(r.stdout.trim(), version);
  });

  test('creates a topic, produces lines from stdin and consumes them back against the local platform', { timeout: 60_000 }, async () => {
    const topic = `packaged-cli-${process.pid}`;
    const created = await sluice(['--url', platform.url, 'topics', 'create', topic, '--partitions', '2']);
    assert.equal(created.code, 0, created.stderr);
    const produced = await sluice(['--url', platform.url, 'produce', topic, '--key-separator', ':'], 'a:one\nb:two\nc:three\n');
    assert.equal(produced.code, 0, produced.stderr);
    const consumed = await sluice(['--url', platform.url, '--json', 'consume', topic, '--from', 'earliest']);
    assert.equal(consumed.code, 0, consumed.stderr);
    const records = consumed.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(records.map((r) => `${r.key}:${r.value}`).sort(), ['a:one', 'b:two', 'c:three']);
  });

  test('sluice console serves the packaged console and passes its API calls on to the platform', { timeout: 60_000 }, async () => {
    const child = spawn(path.join(prefix, 'bin', 'sluice'), ['--url', platform.url, '--json', 'console', '--port', '0'], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      const line = await new Promise<string>((done, fail) => {
        let stdout = '';
        child.stdout.on('data', (c) => {
          stdout += c;
          if (stdout.includes('\n')) done(stdout.split('\n')[0]!);
        });
        void exited.then((code) => fail(new Error(`sluice console exited ${code}: ${stderr}`)));
      });
      const { url, proxy } = JSON.parse(line) as { url: string; proxy: string };
      const served = await fetch(`${url}app.js`);
      assert.equal(served.status, 200);
      const packaged = readFileSync(path.join(prefix, 'lib', 'node_modules', 'sluice', 'console', 'app.js'));
      assert.ok(Buffer.from(await served.arrayBuffer()).equals(packaged), 'the console served is the packaged one');
      const topics = await fetch(`${proxy}/v1/topics`);
      assert.equal(topics.status, 200);
      assert.ok(Array.isArray(((await topics.json()) as { topics: unknown }).topics));
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, stderr);
  });

  test('a usage error exits 2 with commander\'s message', async () => {
    const r = await sluice(['topics', 'create']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing required argument 'name'/);
  });
});
