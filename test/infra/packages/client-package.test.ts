import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as esbuild from 'esbuild';
import { buildClient } from '../../../infra/build-client';

/**
 * The client package as a consumer gets it: built, packed with `npm pack`, checked by
 * arethetypeswrong and publint, and unpacked into the node_modules of consumer projects
 * made with `tsc --init` (module nodenext), which type-check against it and bundle it
 * for a browser.
 */
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
// Inside the repository, so the package's dependencies (zod, the SigV4 packages) resolve from node_modules as installed ones would.
const WORK = path.join(REPO_ROOT, 'node_modules', '.cache', `sluice-client-package-test-${process.pid}`);
const CONSUMER = path.join(WORK, 'consumer');
const TSC = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
const run = promisify(execFile);

/** A command's exit code and output, whether it failed or not. */
async function outcome(file: string, args: string[], cwd = WORK): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

const CORRECT = `import { SluiceAdmin, SluiceHttpClient, SluiceProducer, type RecordMetadata } from 'sluice-client';

const client = new SluiceHttpClient({ baseUrl: 'http://localhost:8780' });
const producer = new SluiceProducer(client, { lingerMs: 5 });
const deliveries: Promise<RecordMetadata>[] = await producer.send('orders', [{ key: 'customer-1', value: 'first order' }]);
const offsets: number[] = (await Promise.all(deliveries)).map((delivered) => delivered.offset);
const partitions: number = (await new SluiceAdmin(client).describeTopic('orders')).partitions;
console.log(offsets, partitions);
`;
// Two type errors: a number for the base URL (line 3), a string for lingerMs (line 4).
const WRONG = `import { SluiceHttpClient, SluiceProducer } from 'sluice-client';

const client = new SluiceHttpClient({ baseUrl: 8780 });
const producer = new SluiceProducer(client, { lingerMs: 'soon' });
console.log(producer);
`;

let tarball: string;
/** The type-checks, started side by side once the consumers exist (each tsc run takes seconds), by project and resolution. */
const typeChecks = new Map<string, Promise<{ code: number; errors: string[]; output: string }>>();
const RESOLUTIONS = {
  nodenext: [],
  bundler: ['--module', 'preserve', '--moduleResolution', 'bundler'],
} as const;
before(async () => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const built = await buildClient(path.join(WORK, 'package'));
  const { stdout } = await run('npm', ['pack', built.outDir, '--pack-destination', WORK, '--silent'], { cwd: WORK });
  tarball = path.join(WORK, stdout.trim().split('\n').pop()!);
  // What `npm install <tarball>` puts in place, without the registry: the package's dependencies are the repository's.
  const installed = path.join(CONSUMER, 'node_modules', 'sluice-client');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  writeFileSync(path.join(CONSUMER, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' })}\n`);
  for (const [name, source] of Object.entries({ correct: CORRECT, wrong: WRONG })) {
    const dir = path.join(CONSUMER, name);
    mkdirSync(dir);
    await run(process.execPath, [TSC, '--init'], { cwd: dir });
    writeFileSync(path.join(dir, 'index.ts'), source);
  }
  for (const [resolution, options] of Object.entries(RESOLUTIONS)) {
    for (const project of ['correct', 'wrong'] as const) typeChecks.set(`${project} ${resolution}`, typeCheck(project, [...options]));
  }
});
after(() => rmSync(WORK, { recursive: true, force: true }));

/** Type-checks a consumer project as `tsc --init` made it (module nodenext), or with other options; answers the exit code and the error codes by line. */
async function typeCheck(project: 'correct' | 'wrong', options: string[] = []): Promise<{ code: number; errors: string[]; output: string }> {
  const { code, output } = await outcome(process.execPath, [TSC, '--noEmit', '--pretty', 'false', '-p', path.join(CONSUMER, project), ...options]);
  const errors = [...output.matchAll(/^(\S+)\((\d+),\d+\): error (TS\d+)/gm)].map(([, file, line, error]) => `${path.basename(file!)}:${line} ${error}`);
  return { code, errors, output };
}

describe('the client package (npm run build:client), as packed', () => {
  test('passes arethetypeswrong for ESM consumers (node16 and bundler); its one finding is that require() gets an ES module', async () => {
    const attw = path.join(REPO_ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js');
    const { code, output } = await outcome(process.execPath, [attw, tarball, '--profile', 'esm-only', '--format', 'json']);
    assert.equal(code, 0, output);
    const { problems } = JSON.parse(output) as { problems: Record<string, { kind: string; entrypoint: string; resolutionKind: string }[]> };
    assert.deepEqual(Object.values(problems).flat(), [{ kind: 'CJSResolvesToESM', entrypoint: '.', resolutionKind: 'node16-cjs' }]);
  });

  test('passes publint, warnings counted as errors', async () => {
    const publint = path.join(REPO_ROOT, 'node_modules/publint/src/cli.js');
    const { code, output } = await outcome(process.execPath, [publint, 'run', tarball, '--strict']);
    assert.equal(code, 0, output);
    assert.match(output, /All good!/);
  });

  for (const resolution of Object.keys(RESOLUTIONS)) {
    test(`a consumer's correct file compiles against its types (${resolution})`, async () => {
      const { code, output } = await typeChecks.get(`correct ${resolution}`)!;
      assert.equal(code, 0, output);
    });

    test(`a consumer's file with two type errors fails to compile with exactly those two (${resolution})`, async () => {
      const { code, errors, output } = await typeChecks.get(`wrong ${resolution}`)!;
      assert.notEqual(code, 0, 'the wrong file compiled: the package types resolved to nothing');
      assert.deepEqual(errors, ['index.ts:3 TS2322', 'index.ts:4 TS2322'], output);
    });
  }

  test('bundles for a browser with no node: import: the Node-only modules resolve to their stubs there, and to themselves for Node', async () => {
    const bundle = (platform: 'browser' | 'node') =>
      esbuild.build({
        stdin: { contents: "export * from 'sluice-client';", resolveDir: CONSUMER, sourcefile: 'consumer.js' },
        bundle: true,
        platform,
        format: 'esm',
        write: false,
        metafile: true,
        outfile: path.join(WORK, `bundle-${platform}.js`),
        logLevel: 'silent',
      });
    const browser = await bundle('browser');
    const text = browser.outputFiles.map((file) => file.text).join('\n');
    assert.doesNotMatch(text, /["']node:/);
    assert.deepEqual(Object.values(browser.metafile.outputs).flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path)), []);
    const inputs = Object.keys(browser.metafile.inputs).map((file) => path.basename(file));
    assert.ok(inputs.includes('record-batches-reader.browser.js') && inputs.includes('aws-credential-chain.browser.js'), inputs.join(', '));
    assert.ok(!inputs.includes('record-batches-reader.js'), 'the Node batches reader is in the browser bundle');

    const node = await bundle('node');
    assert.ok(Object.keys(node.metafile.inputs).some((file) => file.endsWith('sluice-client/record-batches-reader.js')), 'the Node bundle lacks the batches reader');
    assert.match(node.outputFiles.map((file) => file.text).join('\n'), /from "node:zlib"/);
  });
});
