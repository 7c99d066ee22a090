import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../support/local-platform';

/**
 * Runs @durable-streams/server-conformance-tests (the protocol authors' suite) against the
 * local platform, through vitest (the suite is written for it), and holds Sluice to it:
 * every test passes but those docs/durable-streams-conformance.md lists, each with its reason.
 */
const REPO = new URL('../..', import.meta.url).pathname;
const KNOWN_FAILURES_DOC = join(REPO, 'docs/durable-streams-conformance.md');
/** The reference server (@durable-streams/server 0.3.7) passes this many of the suite's 338 tests. */
const REFERENCE_PASSED = 324;
/** The long-poll wait the platform uses here (production: 20 s); the suite waits this plus 1 s for each long-poll test. */
const LONG_POLL_MS = '2000';

interface AssertionResult {
  ancestorTitles: string[];
  title: string;
  status: 'passed' | 'failed' | 'pending' | 'skipped' | 'todo';
  failureMessages: string[];
}

/** The documented failures: the list items under "## Known failures", each `- \`<describe> > <test>\`: reason`. */
function knownFailures(): Set<string> {
  const text = readFileSync(KNOWN_FAILURES_DOC, 'utf8');
  const section = text.split(/^## Known failures$/m)[1]?.split(/^## /m)[0] ?? '';
  return new Set([...section.matchAll(/^- `([^`]+)`:/gm)].map((match) => match[1]!));
}

function runSuite(url: string, outputFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      join(REPO, 'node_modules/.bin/vitest'),
      ['run', '--config', 'test/durable-streams-conformance/vitest.config.ts', '--reporter=json', `--outputFile=${outputFile}`],
      { cwd: REPO, env: { ...process.env, SLUICE_DS_CONFORMANCE_URL: url, SLUICE_DS_LONG_POLL_MS: LONG_POLL_MS }, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

describe('the Durable Streams conformance suite', { timeout: 15 * 60_000 }, () => {
  let platform: TestPlatform;
  let results: AssertionResult[];
  const dir = mkdtempSync(join(tmpdir(), 'sluice-ds-conformance-'));

  before(async () => {
    process.env.SLUICE_DS_LONG_POLL_MS = LONG_POLL_MS;
    // The suite checks a CORS preflight from https://example.com.
    platform = await startTestPlatform({ kafkaPort: null, config: { corsOrigins: ['*'] } });
    const output = join(dir, 'results.json');
    await runSuite(`${platform.url}/ds`, output);
    const report = JSON.parse(readFileSync(output, 'utf8')) as { testResults: { assertionResults: AssertionResult[] }[] };
    results = report.testResults.flatMap((file) => file.assertionResults);
  });

  after(async () => {
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const nameOf = (result: AssertionResult) => [...result.ancestorTitles.slice(1), result.title].join(' > ');

  it('ran the whole suite', () => {
    assert.ok(results.length >= 338, `the suite reported ${results.length} tests`);
  });

  it('fails only the tests docs/durable-streams-conformance.md lists', (t) => {
    const known = knownFailures();
    const failed = results.filter((r) => r.status === 'failed');
    const passed = results.filter((r) => r.status === 'passed').length;
    const skipped = results.length - passed - failed.length;
    t.diagnostic(`passed ${passed}, failed ${failed.length}, skipped ${skipped}`);
    const unexpected = failed.filter((r) => !known.has(nameOf(r))).map((r) => `${nameOf(r)}: ${(r.failureMessages[0] ?? '').split('\n')[0]}`);
    assert.deepEqual(unexpected, []);
  });

  it('passes at least as many tests as the reference server', () => {
    const passed = results.filter((r) => r.status === 'passed').length;
    assert.ok(passed >= REFERENCE_PASSED, `passed ${passed}, the reference server ${REFERENCE_PASSED}`);
  });

  it('lists no test as failing that passes now', () => {
    const passing = new Set(results.filter((r) => r.status === 'passed').map(nameOf));
    assert.deepEqual([...knownFailures()].filter((name) => passing.has(name)), []);
  });
});
