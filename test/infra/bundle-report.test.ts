/**
 * The bundle size report (`npm run bundles`): it bundles a function exactly as
 * the CDK stack does, reports its size and largest imports, and fails over the
 * limit. Runs for one function; `npm run bundles` covers them all.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { DEFAULT_LIMIT_BYTES, bundleSize, formatReport, importGroup, main, parseArgs } from '../../infra/bundle-report';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { functionBundling, SluiceFunctions, TRACER_OFF_ALIASES } from '../../infra/constructs/sluice-functions';
import { SluiceStorage } from '../../infra/constructs/sluice-storage';
import { FUNCTIONS } from '../../infra/platform-spec';

const FUNCTION = 'list-topics';

interface CdkJson {
  readonly context: Record<string, unknown>;
}
const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as CdkJson;

describe('bundle report', () => {
  it(`reports ${FUNCTION}: its minified size within 250 KB, gzip size and largest imports, with the AWS SDK left out`, async () => {
    const lines: string[] = [];
    const code = await main([FUNCTION, '--json'], (text) => lines.push(text));
    const report = JSON.parse(lines.join('\n')) as { limitBytes: number; bundles: { name: string; bytes: number; gzipBytes: number; imports: { name: string; bytes: number }[] }[] };
    assert.equal(code, 0);
    assert.equal(report.limitBytes, 250 * 1024);
    assert.equal(report.bundles.length, 1);
    const [bundle] = report.bundles;
    assert.equal(bundle!.name, FUNCTION);
    assert.ok(bundle!.bytes > 0 && bundle!.bytes <= DEFAULT_LIMIT_BYTES, `${bundle!.bytes} bytes`);
    assert.ok(bundle!.gzipBytes > 0 && bundle!.gzipBytes < bundle!.bytes);
    const names = bundle!.imports.map((entry) => entry.name);
    assert.ok(names.includes('@aws-lambda-powertools/logger'), names.join(', '));
    assert.ok(names.includes('functions/middleware'), names.join(', '));
    assert.ok(!names.some((name) => name.startsWith('@aws-sdk/') || name.startsWith('@smithy/')), 'the runtime provides the AWS SDK');
    const sizes = bundle!.imports.map((entry) => entry.bytes);
    assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a), 'largest first');
  });

  for (const tracing of [false, true]) {
    it(`measures exactly the bundle the CDK stack deploys with tracing ${tracing ? 'on' : 'off'}`, async () => {
      const app = new App({ context: { ...cdkJson.context, 'aws:cdk:enable-asset-metadata': true } });
      const stack = new Stack(app, 'BundleCheck');
      const spec = FUNCTIONS.find((candidate) => candidate.name === FUNCTION)!;
      const functions = new SluiceFunctions(stack, 'Functions', { storage: new SluiceStorage(stack, 'Storage'), specs: [spec], tracing: tracing ? Tracing.ACTIVE : Tracing.DISABLED });
      const assembly = app.synth();
      const template = assembly.getStackArtifact(stack.artifactId).template as { Resources: Record<string, { Type: string; Metadata?: Record<string, unknown> }> };
      const logicalId = stack.getLogicalId(functions.functions[FUNCTION]!.node.defaultChild as never);
      const assetPath = template.Resources[logicalId]!.Metadata!['aws:asset:path'] as string;
      const assetDir = path.join(assembly.directory, assetPath);
      assert.deepEqual(readdirSync(assetDir).sort(), ['index.mjs', 'index.mjs.map']);
      const deployed = readFileSync(path.join(assetDir, 'index.mjs'));
      const reported = await bundleSize(spec, { tracing });
      assert.equal(reported.bytes, deployed.byteLength);
    });
  }

  it('bundles no X-Ray SDK and no Powertools Tracer with tracing off (the default stack), and both with tracing on', async () => {
    const spec = { name: 'produce-records' };
    const off = (await bundleSize(spec)).imports.map((entry) => entry.name);
    const on = (await bundleSize(spec, { tracing: true })).imports.map((entry) => entry.name);
    assert.ok(!off.includes('aws-xray-sdk-core') && !off.includes('@aws-lambda-powertools/tracer'), off.join(', '));
    assert.ok(on.includes('aws-xray-sdk-core') && on.includes('@aws-lambda-powertools/tracer'), on.join(', '));
  });

  it('the stack aliases the Tracer packages to the no-op tracer only when tracing is off', () => {
    assert.deepEqual(functionBundling(false).esbuildArgs, { '--alias': Object.entries(TRACER_OFF_ALIASES).map(([from, to]) => `${from}=${to}`) });
    assert.deepEqual(Object.keys(TRACER_OFF_ALIASES).sort(), ['@aws-lambda-powertools/tracer', '@aws-lambda-powertools/tracer/middleware']);
    assert.equal(functionBundling(true).esbuildArgs, undefined);
  });

  it('exits 1 when a bundle is over the limit, and names it', async () => {
    const lines: string[] = [];
    assert.equal(await main([FUNCTION, '--limit-kb', '1'], (text) => lines.push(text)), 1);
    assert.match(lines.join('\n'), new RegExp(`1 of 1 bundles exceed 1\\.0 KB: ${FUNCTION} \\(`));
  });

  it('exits 2 on an unknown function or option', async () => {
    const lines: string[] = [];
    assert.equal(await main(['no-such-function'], (text) => lines.push(text)), 2);
    assert.equal(await main(['--limit-kb', 'lots'], (text) => lines.push(text)), 2);
    assert.equal(await main(['--fast'], (text) => lines.push(text)), 2);
    assert.match(lines[0]!, /no function no-such-function/);
  });

  it('parses its options', () => {
    assert.deepEqual(parseArgs([]), { names: [], limitBytes: 250 * 1024, top: 4, json: false, tracing: false });
    assert.deepEqual(parseArgs(['a', '--limit-kb', '300', 'b', '--top', '2', '--json', '--tracing']), { names: ['a', 'b'], limitBytes: 300 * 1024, top: 2, json: true, tracing: true });
  });

  it('groups inputs by npm package or source directory', () => {
    assert.equal(importGroup('node_modules/zod/v4/core/schemas.js'), 'zod');
    assert.equal(importGroup('node_modules/@aws-lambda-powertools/logger/lib/esm/Logger.js'), '@aws-lambda-powertools/logger');
    assert.equal(importGroup('node_modules/aws-xray-sdk-core/node_modules/semver/index.js'), 'semver');
    assert.equal(importGroup('lib/log/produce.ts'), 'lib/log');
    assert.equal(importGroup('functions/list-topics.ts'), 'functions');
    assert.equal(importGroup('functions/http/list-topics.ts'), 'functions/http');
  });

  it('prints one row per function, largest first, and a verdict', () => {
    const text = formatReport(
      [
        { name: 'small', bytes: 1024, gzipBytes: 512, imports: [{ name: 'lib/log', bytes: 1000 }] },
        { name: 'big', bytes: 300 * 1024, gzipBytes: 90 * 1024, imports: [{ name: 'zod', bytes: 200 * 1024 }] },
      ],
      { top: 1 },
    );
    const rows = text.split('\n');
    assert.match(rows[2]!, /^big\s+300\.0 KB\s+90\.0 KB\s+!!\s+zod 200\.0 KB$/);
    assert.match(rows[3]!, /^small\s+1\.0 KB\s+0\.5 KB\s+ok\s+lib\/log 1\.0 KB$/);
    assert.match(text, /1 of 2 bundles exceed 250\.0 KB: big \(300\.0 KB\)\.$/);
  });
});
