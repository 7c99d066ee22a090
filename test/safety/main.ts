/**
 * `npm run check:safety [-- --seconds 60 --producers 4 --consumers 3 --partitions 4 --seed N] [--workload compacted]`:
 * a Jepsen-style safety check of Sluice against the local platform started in this
 * process, with faults injected (see --help); `--workload compacted` checks a
 * cleanup.policy=compact topic compacted throughout the run (compacted-workload.ts). Progress goes to stderr, the verdict
 * table to stdout, the JSON report and the history to bench-results/. Exits 1 when
 * the checker finds an anomaly the settings forbid, 2 when the run itself failed.
 */
import { performance } from 'node:perf_hooks';
import { parseOptions, usage } from './options';
import { renderReport, writeReport } from './report';
import { runSafety } from './workload';

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const startedAt = new Date();
  const t0 = performance.now();
  const progress = (line: string) => process.stderr.write(`[safety ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
  progress(`seed ${options.seed}; faults: ${[...options.faults].join(', ') || 'none'}`);
  const run = await runSafety(options, progress);
  const { report } = writeReport(run, options.outDir, startedAt);
  process.stdout.write(`${renderReport(run, report)}\n`);
  return run.result.valid ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`safety check failed to run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
