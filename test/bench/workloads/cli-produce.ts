import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchApi } from '../api';
import type { Progress } from '../measure';
import type { BenchOptions } from '../options';
import { renderTable } from '../table';

/**
 * `cat big.txt | sluice produce` (issue 17): the CLI reading 100k, 1M and 3M lines from a
 * pipe, as a user runs it, against the platform. The producer's queue took records off
 * with `Array.shift`, so records/s fell as the input grew (14,600 records/s at 100k lines,
 * 2,600-5,500 at 300k); with a linear queue the rows are flat within noise.
 *
 * Each cell writes a file of `lines` lines of about `LINE_BYTES` bytes, creates a topic
 * of `PARTITIONS` partitions and pipes the file into `sluice produce` (its defaults:
 * idempotent, one call in flight, linger 100 ms). records/s is the CLI's own (from its
 * first record read to its last committed, start-up excluded); the wall time includes
 * the CLI's start-up. `--quick` uses 20k, 100k and 300k lines. A warm-up run of the
 * smallest size goes first, unreported.
 */

const LINES_FULL = [100_000, 1_000_000, 3_000_000];
const LINES_QUICK = [20_000, 100_000, 300_000];
const LINE_BYTES = 64;
const PARTITIONS = 4;
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface CliProduceCell {
  lines: number;
  inputBytes: number;
  /** Records the CLI reported committed. */
  records: number;
  calls: number;
  /** The CLI's own elapsed time, first line read to last record committed. */
  elapsedMs: number;
  /** From spawning the CLI until it exited. */
  wallMs: number;
  recordsPerSecond: number;
  mibPerSecond: number;
  exitCode: number | null;
  /** The CLI's stderr, when it failed. */
  error?: string;
}

export interface CliProduceResult {
  lineBytes: number;
  partitions: number;
  cells: CliProduceCell[];
}

export function cliProduceLines(options: Pick<BenchOptions, 'quick'>): number[] {
  return options.quick ? LINES_QUICK : LINES_FULL;
}

export async function measureCliProduce(api: BenchApi, options: BenchOptions, run: string, progress: Progress): Promise<CliProduceResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-cli-'));
  const cells: CliProduceCell[] = [];
  try {
    // A run of the smallest size first, not reported: the platform's code paths for large
    // calls (the JIT, DynamoDB Local's JVM) are warm before the first measured cell, so the
    // rows differ by input size, not by which came first.
    const sizes = cliProduceLines(options);
    for (const [i, lines] of [sizes[0]!, ...sizes].entries()) {
      const warmUp = i === 0;
      const file = join(dir, `lines-${lines}.txt`);
      await writeLines(file, lines);
      const topic = `bench-cli-produce-${warmUp ? 'warm-up-' : ''}${lines}-${run}`;
      await api.createTopic(topic, PARTITIONS);
      const cell = await runCli(api.baseUrl, topic, file, lines);
      rmSync(file);
      if (!warmUp) cells.push(cell);
      progress(
        `cli produce${warmUp ? ' (warm-up)' : ''} ${lines.toLocaleString('en-US')} lines: ${cell.records} records in ${cell.calls} calls, ${Math.round(cell.recordsPerSecond).toLocaleString('en-US')} records/s, ` +
          `${cell.mibPerSecond.toFixed(2)} MiB/s, wall ${(cell.wallMs / 1000).toFixed(1)} s${cell.error ? `; failed: ${cell.error}` : ''}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { lineBytes: LINE_BYTES, partitions: PARTITIONS, cells };
}

/** `lines` lines of LINE_BYTES bytes each (newline included), keyless text. */
async function writeLines(file: string, lines: number): Promise<void> {
  const out = createWriteStream(file);
  const pad = 'x'.repeat(LINE_BYTES);
  const chunk: string[] = [];
  for (let i = 0; i < lines; i++) {
    const head = `line-${i} `;
    chunk.push(`${head}${pad.slice(0, LINE_BYTES - head.length - 1)}\n`);
    if (chunk.length === 10_000 || i === lines - 1) {
      if (!out.write(chunk.join(''))) await once(out, 'drain');
      chunk.length = 0;
    }
  }
  out.end();
  await once(out, 'finish');
}

async function runCli(url: string, topic: string, file: string, lines: number): Promise<CliProduceCell> {
  const inputBytes = statSync(file).size;
  const started = performance.now();
  // Text output: --json would keep and print every record's offset, which a long produce should not be measured with.
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/sluice.ts', '--url', url, 'produce', topic], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  // A pipe, as `cat big.txt | sluice produce`: no size known to the CLI.
  createReadStream(file).pipe(child.stdin);
  const exitCode = await exited;
  const wallMs = performance.now() - started;
  // "Produced N records to 't' in C calls." and "  S s: R records/s, M MiB/s"
  const produced = /^Produced (\d+) records? to .* in (\d+) calls?/m.exec(stdout);
  const elapsed = /^ {2}([\d.]+) s: /m.exec(stdout);
  const summary = { count: Number(produced?.[1] ?? 0), calls: Number(produced?.[2] ?? 0), elapsedMs: elapsed ? Number(elapsed[1]) * 1000 : wallMs };
  const seconds = Math.max(1, summary.elapsedMs) / 1000;
  return {
    lines,
    inputBytes,
    records: summary.count,
    calls: summary.calls,
    elapsedMs: summary.elapsedMs,
    wallMs,
    recordsPerSecond: summary.count / seconds,
    mibPerSecond: (summary.count * (LINE_BYTES - 1)) / 1024 ** 2 / seconds,
    exitCode,
    ...(exitCode !== 0 && { error: stderr.trim().slice(0, 500) }),
  };
}

/** The report's section: one row per input size, and how far apart the rates are. */
export function renderCliProduce(r: CliProduceResult): string[] {
  const out = ['', `## sluice produce from stdin (cat file | sluice produce: ${r.lineBytes}-byte lines, ${r.partitions} partitions, the CLI's defaults)`, ''];
  out.push(
    renderTable(
      ['lines', 'records committed', 'calls', 'CLI elapsed s', 'wall s', 'records/s', 'MiB/s'],
      r.cells.map((c) => [c.lines.toLocaleString('en-US'), c.records, c.calls, (c.elapsedMs / 1000).toFixed(1), (c.wallMs / 1000).toFixed(1), Math.round(c.recordsPerSecond), c.mibPerSecond.toFixed(2)]),
    ),
  );
  const ok = r.cells.filter((c) => c.exitCode === 0);
  const rates = ok.map((c) => c.recordsPerSecond);
  if (rates.length > 1) {
    out.push('', `records/s, slowest to fastest: ${(Math.min(...rates) / Math.max(...rates)).toFixed(2)} (1.00 is flat; a superlinear producer falls with the input).`);
    // The records each larger input added over the time it added: the run's fixed cost (the
    // process start, the producer's setup, the first linger) cancels, so what is left is the
    // producer's pace on the added lines, which falls with the input if its work per record grows.
    const marginal = ok.slice(1).map((c, i) => (c.records - ok[i]!.records) / Math.max(0.001, (c.elapsedMs - ok[i]!.elapsedMs) / 1000));
    const steps = ok.slice(1).map((c, i) => `${ok[i]!.lines.toLocaleString('en-US')} → ${c.lines.toLocaleString('en-US')} lines: ${Math.round(marginal[i]!).toLocaleString('en-US')} records/s`);
    out.push('', `Marginal records/s (the lines one input adds over the next smaller, per second it adds): ${steps.join('; ')}; lowest to highest ${(Math.min(...marginal) / Math.max(...marginal)).toFixed(2)}.`);
  }
  for (const c of r.cells) if (c.error) out.push('', `${c.lines} lines: exit ${c.exitCode}: ${c.error}`);
  return out;
}
