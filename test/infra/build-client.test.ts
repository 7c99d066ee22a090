import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { buildClient, type ClientBuild } from '../../infra/build-client';
import { startTestPlatform, type TestPlatform } from '../support/local-platform';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Inside the repository, so the built package resolves its dependencies from node_modules as an installed one would.
const OUT = path.join(REPO_ROOT, 'node_modules', '.cache', `sluice-client-test-${process.pid}`);

/** The machine's own Node (the one on PATH outside node_modules), else this one: the client must run on Node 20+ without tsx. */
function plainNode(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir.includes('node_modules')) continue;
    try {
      accessSync(path.join(dir, 'node'), constants.X_OK);
      return path.join(dir, 'node');
    } catch {
      // not here
    }
  }
  return process.execPath;
}

let built: ClientBuild;
let platform: TestPlatform;
before(async () => {
  built = await buildClient(OUT);
  platform = await startTestPlatform();
});
after(async () => {
  await platform?.stop();
  rmSync(OUT, { recursive: true, force: true });
});

describe('the built client package (npm run build:client)', () => {
  test('is one ES module importing only its declared dependencies, with declarations and a package.json that exports them', () => {
    const pkg = JSON.parse(readFileSync(path.join(OUT, 'package.json'), 'utf8'));
    assert.equal(pkg.type, 'module');
    assert.deepEqual(pkg.exports['.'], { types: './types/client/index.d.ts', default: './index.js' });
    assert.deepEqual(Object.keys(pkg.dependencies).sort(), [...new Set([...built.imports, ...built.typeImports])].sort());
    const source = readFileSync(path.join(OUT, 'index.js'), 'utf8');
    assert.doesNotMatch(source, /from ["']node:|require\(/, 'no Node built-ins and no CommonJS');
    assert.match(readFileSync(path.join(OUT, 'types/client/index.d.ts'), 'utf8'), /SluiceProducer/);
  });

  test('declares nothing of the server: only the client and the wire contract, no store, group or push module and no DynamoDB key', () => {
    const typesDir = path.join(OUT, 'types');
    // The key builders of lib/store (metaKey, subscriptionKey, leaseRange, …), by their exported names.
    const storeDir = path.join(REPO_ROOT, 'lib/store');
    const storeKeyBuilders = readdirSync(storeDir)
      .filter((name) => name.endsWith('.ts'))
      .flatMap((name) => [...readFileSync(path.join(storeDir, name), 'utf8').matchAll(/export function (\w+(?:Key|Range))\(/g)].map((m) => m[1]!));
    assert.ok(storeKeyBuilders.includes('subscriptionKey'), storeKeyBuilders.join(', '));
    const files = readdirSync(typesDir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.d.ts'))
      .map((entry) => path.relative(typesDir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
    assert.ok(files.includes('client/types.d.ts'), files.join(', '));
    for (const file of files) {
      assert.match(file, /^(client|protocol)\//, `${file}: a server module in the client's declarations`);
      const text = readFileSync(path.join(typesDir, file), 'utf8');
      assert.doesNotMatch(text, /['"][./]*\/?(store|groups|push|log|topics|auth|core|producers|records)\//, `${file} imports a server module`);
      assert.doesNotMatch(text, /\bpk\b|\bsk\b/, `${file} declares a DynamoDB key attribute`);
      for (const builder of storeKeyBuilders) assert.ok(!new RegExp(`\\b${builder}\\b`).test(text), `${file} mentions the DynamoDB key builder ${builder}`);
    }
  });

  test('runs under plain Node without tsx: produces through SluiceProducer and reads back with SluiceConsumer and SluiceAdmin', { timeout: 60_000 }, async () => {
    const script = path.join(OUT, 'smoke.mjs');
    writeFileSync(
      script,
      `import { SluiceAdmin, SluiceConsumer, SluiceHttpClient, SluiceProducer } from './index.js';
const client = new SluiceHttpClient({ baseUrl: process.argv[2] });
const admin = new SluiceAdmin(client);
const topic = 'built-client-' + process.pid;
await admin.createTopic(topic, { partitions: 2 });
const producer = new SluiceProducer(client, { lingerMs: 20 });
const deliveries = [];
for (let i = 0; i < 300; i++) deliveries.push(...(await producer.send(topic, { key: 'k' + (i % 7), value: 'v' + i })));
await Promise.all(deliveries);
await producer.close();
const consumer = new SluiceConsumer(client, { groupId: 'g-' + process.pid, topics: [topic], resetPolicy: 'earliest', encoding: 'utf8', waitMs: 200 });
const values = [];
for await (const record of consumer) {
  values.push(record.value);
  if (values.length === 300) break;
}
await consumer.close();
const described = await admin.describeTopic(topic);
console.log(JSON.stringify({ node: process.version, calls: producer.stats().calls, values, partitions: described.partitions }));
`,
    );
    const { stdout } = await promisify(execFile)(plainNode(), [script, platform.url], { cwd: OUT, timeout: 50_000 });
    const result = JSON.parse(stdout) as { node: string; calls: number; values: string[]; partitions: number };
    assert.ok(Number(/^v(\d+)/.exec(result.node)?.[1]) >= 20, result.node);
    assert.deepEqual([...result.values].sort(), Array.from({ length: 300 }, (_, i) => `v${i}`).sort());
    assert.ok(result.calls < 300, `${result.calls} produce calls for 300 records`);
    assert.equal(result.partitions, 2);
    console.log(`# the built client ran on Node ${result.node}: 300 records in ${result.calls} produce calls`);
  });
});
