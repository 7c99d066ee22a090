/**
 * `npm run check:fuzz [-- --requests 10000 --seed N]`: sends invalid requests to every
 * route of the local platform started in this process (one mutation of a valid request
 * each) and checks that each gets a well-formed 4xx and that none changes the state.
 * Progress goes to stderr, the figures and the first failures to stdout, and every kept
 * failure with its full request to bench-results/fuzz-<time>.json. Exits 1 on
 * any failure (or a route the generator has no case for), 2 when the run itself failed.
 */
import { startFuzzTarget } from './environment';
import { parseOptions, usage } from './options';
import { renderReport, writeReport } from './report';
import { coverageGaps } from './routes';
import { runFuzz } from './runner';

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const { missing, stale } = coverageGaps();
  if (missing.length > 0 || stale.length > 0) {
    process.stdout.write(`routes without a fuzz case: ${missing.join(', ') || 'none'}; cases for routes not served: ${stale.join(', ') || 'none'} (test/fuzz/routes.ts)\n`);
    return 1;
  }
  // The handlers log as in Lambda; keep stdout for the report (errors still show).
  console.log = options.verbose ? (...args: unknown[]) => process.stderr.write(`${args.join(' ')}\n`) : () => undefined;
  process.env.POWERTOOLS_LOG_LEVEL ??= options.verbose ? 'INFO' : 'ERROR';
  const startedAt = new Date();
  const t0 = Date.now();
  const progress = (line: string) => process.stderr.write(`[fuzz ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
  progress(`seed ${options.seed}; ${options.requests} requests, ${options.concurrency} in flight, state read every ${options.checkEvery}; starting the local platform`);
  const target = await startFuzzTarget();
  try {
    progress('fixtures ready');
    const report = await runFuzz(target, {
      ...options,
      onProgress: (p) => progress(`${p.done}/${p.total} requests, ${p.perSecond.toFixed(0)}/s, ${p.failing} failing, ${p.stateChanges} state change(s)`),
    });
    process.stdout.write(`${renderReport(report, { failures: options.showFailures })}\n`);
    process.stdout.write(`report with the full requests: ${writeReport(report, options.outDir, startedAt)}\n`);
    return report.failing === 0 ? 0 : 1;
  } finally {
    await target.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fuzz check failed to run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
