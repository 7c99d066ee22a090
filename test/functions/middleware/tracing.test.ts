import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { Tracer as PowertoolsTracer } from '@aws-lambda-powertools/tracer';
import { Tracer as NoTracer } from '../../../functions/middleware/tracer-off';
import { loadTracing, tracingWanted } from '../../../functions/middleware/tracing';

/** Whether importing a handler in a fresh process loads the X-Ray SDK, with POWERTOOLS_TRACE_ENABLED as given. */
function loadsXray(traceEnabled: string): boolean {
  const probe = [
    "import { createRequire } from 'node:module';",
    "await import('./functions/http/list-topics.ts');",
    "const cache = createRequire(import.meta.url).cache;",
    "console.log(Object.keys(cache).some((key) => key.includes('aws-xray-sdk-core')));",
  ].join('\n');
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', probe], {
    cwd: new URL('../../../', import.meta.url),
    env: { ...process.env, POWERTOOLS_TRACE_ENABLED: traceEnabled },
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  return child.stdout.trim().split('\n').at(-1) === 'true';
}

describe('the tracer seam', () => {
  it('loads the Powertools Tracer only in Lambda, unless POWERTOOLS_TRACE_ENABLED says otherwise', () => {
    assert.equal(tracingWanted({}), false);
    assert.equal(tracingWanted({ AWS_LAMBDA_FUNCTION_NAME: 'sluice-produce-records' }), true);
    assert.equal(tracingWanted({ AWS_LAMBDA_FUNCTION_NAME: 'sluice-produce-records', POWERTOOLS_TRACE_ENABLED: 'false' }), false);
    assert.equal(tracingWanted({ POWERTOOLS_TRACE_ENABLED: 'true' }), true);
  });

  it('answers the no-op tracer and no middleware when tracing is off, the Powertools Tracer and its middleware when on', async () => {
    const off = await loadTracing('sluice', { POWERTOOLS_TRACE_ENABLED: 'false' });
    assert.ok(off.tracer instanceof NoTracer);
    assert.equal(off.middleware, undefined);
    const client = {};
    assert.equal(off.tracer.captureAWSv3Client(client), client);
    const on = await loadTracing('sluice', { POWERTOOLS_TRACE_ENABLED: 'true' });
    assert.ok(on.tracer instanceof PowertoolsTracer);
    assert.ok(on.middleware?.before);
  });

  it('a handler imported with POWERTOOLS_TRACE_ENABLED=false never loads the X-Ray SDK; with true it does', () => {
    assert.equal(loadsXray('false'), false);
    assert.equal(loadsXray('true'), true);
  });
});
