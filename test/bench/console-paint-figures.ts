import { atMost, GOALS, type Verdict } from './goals';
import { ratio, summarize, type LatencySummary } from './stats';
import { renderTable, type Cell } from './table';

/**
 * The web console's first paint: the figures from the loads workloads/console-paint.ts
 * recorded, and the report's section. Pure, so it can be unit tested apart from the browser.
 */

/** One cold load of a page (a fresh browser context), in ms from navigation start. */
export interface PageLoad {
  /** first-contentful-paint's startTime. */
  fcpMs: number;
  /** When the screen's data element was visible and filled in (undefined for the minimal page, or when it never was). */
  dataMs?: number;
  /** Bytes the page's own files (HTML, script, styles) took on the wire, headers included. */
  assetBytes: number;
  /** API calls the page made before its data showed, and their bytes on the wire. */
  apiCalls: number;
  apiBytes: number;
}

export interface ScreenLoads {
  name: string;
  hash: string;
  /** What "its data is shown" waited for, as a CSS selector. */
  data: string;
  loads: PageLoad[];
  /** Loads that failed (a timeout), with why; not in `loads`. */
  failures: string[];
}

export interface BundleFile {
  name: string;
  bytes: number;
  gzipBytes: number;
}

export interface ConsolePaintResult {
  browser: string;
  viewport: { width: number; height: number };
  repetitions: number;
  /** A tiny static HTML page without script, loaded the same way: the minimum a first paint needs here. */
  minimal: PageLoad[];
  screens: ScreenLoads[];
  bundle: BundleFile[];
}

export interface ScreenFigures {
  name: string;
  loads: number;
  fcp: LatencySummary;
  data: LatencySummary;
  /** The screen's median FCP over the minimal page's median FCP. */
  xMinimal: number;
  assetBytes: number;
  apiCalls: number;
  apiBytes: number;
}

function median(values: readonly number[]): number {
  return summarize(values).p50;
}

export function screenFigures(screen: ScreenLoads, minimal: readonly PageLoad[]): ScreenFigures {
  const fcp = summarize(screen.loads.map((l) => l.fcpMs));
  return {
    name: screen.name,
    loads: screen.loads.length,
    fcp,
    data: summarize(screen.loads.flatMap((l) => (l.dataMs === undefined ? [] : [l.dataMs]))),
    xMinimal: ratio(fcp.p50, median(minimal.map((l) => l.fcpMs))),
    assetBytes: median(screen.loads.map((l) => l.assetBytes)),
    apiCalls: median(screen.loads.map((l) => l.apiCalls)),
    apiBytes: median(screen.loads.map((l) => l.apiBytes)),
  };
}

/**
 * The goal "console first paint under 1 s (median, every screen)": judged on the slowest
 * screen's median FCP; no verdict when a screen has no load (it cannot be said to pass).
 */
export function firstPaintVerdict(figures: readonly ScreenFigures[]): { slowestMs: number; verdict: Verdict } {
  if (figures.length === 0 || figures.some((f) => f.loads === 0)) return { slowestMs: Number.NaN, verdict: '–' };
  const slowestMs = Math.max(...figures.map((f) => f.fcp.p50));
  return { slowestMs, verdict: atMost(slowestMs, GOALS.consoleFirstPaintMs) };
}

export function bundleTotals(files: readonly BundleFile[]): { bytes: number; gzipBytes: number } {
  return { bytes: files.reduce((n, f) => n + f.bytes, 0), gzipBytes: files.reduce((n, f) => n + f.gzipBytes, 0) };
}

const kib = (bytes: number) => bytes / 1024;

export function renderConsolePaint(r: ConsolePaintResult): string[] {
  const figures = r.screens.map((s) => screenFigures(s, r.minimal));
  const minimal = summarize(r.minimal.map((l) => l.fcpMs));
  const goal = firstPaintVerdict(figures);
  const total = bundleTotals(r.bundle);
  const out: string[] = ['', `## Web console: first paint against the local platform (${r.browser}, ${r.viewport.width}x${r.viewport.height})`, ''];
  out.push(
    `Each screen loaded ${r.repetitions} times, each in a fresh browser context (cold cache), interleaved with the minimal page. ` +
      'FCP is the browser\'s first-contentful-paint; "data shown" is when the screen\'s data element (below) was visible and filled in, measured in the page on the first animation frame it was. ' +
      'The minimal page is a tiny static HTML page without script, served from this process on 127.0.0.1 with the console\'s headers: the least a first paint costs this browser here. ' +
      'Percentiles are nearest-rank (with 3 loads, p90 is the slowest).',
    '',
  );
  const rows: Cell[][] = figures.map((f) => [
    f.name,
    f.loads,
    f.fcp.p50,
    f.fcp.p90,
    f.xMinimal,
    f.data.p50,
    f.data.p90,
    kib(f.assetBytes),
    f.apiCalls,
    kib(f.apiBytes),
  ]);
  rows.push(['minimal static page', r.minimal.length, minimal.p50, minimal.p90, 1, undefined, undefined, kib(median(r.minimal.map((l) => l.assetBytes))), 0, 0]);
  out.push(renderTable(['screen', 'loads', 'FCP p50 ms', 'FCP p90 ms', 'x minimal FCP', 'data shown p50 ms', 'data shown p90 ms', 'page files KiB', 'API calls', 'API KiB'], rows));
  out.push('', renderTable(['goal', 'figure', 'pass/miss'], [[`console first paint under ${GOALS.consoleFirstPaintMs / 1000} s (median, every screen)`, `slowest screen's median FCP ${Number.isFinite(goal.slowestMs) ? goal.slowestMs.toFixed(0) : '–'} ms`, goal.verdict]]));
  out.push('', 'Data shown waited for:', '');
  for (const s of r.screens) out.push(`- ${s.name} (\`${s.hash}\`): \`${s.data}\``);
  for (const s of r.screens) for (const why of s.failures) out.push(`- ${s.name}: a load failed: ${why}`);
  out.push('', `Bundle (\`buildConsoleAssets\`, minified): ${kib(total.bytes).toFixed(1)} KiB, ${kib(total.gzipBytes).toFixed(1)} KiB gzipped (level 9). The local platform serves it uncompressed, so "page files" is the raw size plus headers.`, '');
  out.push(renderTable(['file', 'bytes', 'gzipped bytes'], [...r.bundle.map((f): Cell[] => [f.name, f.bytes, f.gzipBytes]), ['total', total.bytes, total.gzipBytes]]));
  return out;
}
