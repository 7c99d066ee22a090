/**
 * Bundle size report: bundles every function with esbuild exactly as the CDK
 * stack does (`FUNCTION_BUNDLING` in infra/constructs/sluice-functions.ts: one ES
 * module per handler for Node.js 22, minified, the AWS SDK left to the runtime)
 * and prints the minified size of each bundle and what takes the most room in it
 * (from esbuild's metafile).
 *
 *   npm run bundles                       # every function; exits 1 if one is over the limit
 *   npm run bundles -- produce-records    # only these functions
 *   npm run bundles -- --limit-kb 300 --top 8 --json
 *   npm run bundles -- --tracing          # as a stack synthesized with -c tracing=true
 *
 * Without --tracing the bundles are the default stack's: tracing off, the Powertools
 * Tracer aliased to its no-op (TRACER_OFF_ALIASES), so no X-Ray SDK.
 *
 * Bundle size is what a cold start pays for: Lambda loads and parses the whole
 * module before the first invocation. The target is at most 250 KB (KB = 1,024
 * bytes, as esbuild reports sizes) of minified JavaScript per function.
 */
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { FUNCTIONS, functionEntry, type FunctionSpec } from './platform-spec';
import { FUNCTION_BUNDLING, TRACER_OFF_ALIASES } from './constructs/sluice-functions';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const DEFAULT_LIMIT_BYTES = 250 * 1024;

export interface ImportSize {
  /** An npm package (`zod`, `@aws-lambda-powertools/logger`) or a source directory (`lib/log`). */
  readonly name: string;
  /** Bytes it contributes to the minified bundle. */
  readonly bytes: number;
}

export interface BundleSize {
  readonly name: string;
  /** Minified JavaScript, the banner included, the source map not. */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Largest first. */
  readonly imports: readonly ImportSize[];
}

/** The esbuild options `NodejsFunction` derives from `functionBundling(tracing)`. */
export function esbuildOptions(entry: string, options: { tracing?: boolean } = {}): esbuild.BuildOptions & { metafile: true; write: false } {
  return {
    ...(options.tracing ? {} : { alias: { ...TRACER_OFF_ALIASES } }),
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: FUNCTION_BUNDLING.format === 'esm' ? 'esm' : 'cjs',
    target: FUNCTION_BUNDLING.target,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    minify: FUNCTION_BUNDLING.minify,
    sourcemap: FUNCTION_BUNDLING.sourceMap,
    sourcesContent: FUNCTION_BUNDLING.sourcesContent,
    banner: { js: FUNCTION_BUNDLING.banner },
    external: [...FUNCTION_BUNDLING.externalModules],
    outfile: path.join(REPO_ROOT, 'cdk.out', 'bundle-report', FUNCTION_BUNDLING.format === 'esm' ? 'index.mjs' : 'index.js'),
    absWorkingDir: REPO_ROOT,
    metafile: true,
    write: false,
    logLevel: 'error',
  };
}

/** `node_modules/@scope/pkg/...` → `@scope/pkg`; `lib/log/produce.ts` → `lib/log`. */
export function importGroup(input: string): string {
  const packages = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/g;
  let last: string | undefined;
  for (let match = packages.exec(input); match; match = packages.exec(input)) last = match[1];
  if (last) return last;
  const parts = input.split('/');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : parts.slice(0, -1).join('/') || input;
}

export async function bundleSize(spec: Pick<FunctionSpec, 'name'>, options: { tracing?: boolean } = {}): Promise<BundleSize> {
  // The entry's folder depends on the function's kind, so look the whole spec up by name.
  const full = FUNCTIONS.find((candidate) => candidate.name === spec.name);
  if (!full) throw new Error(`No function named ${spec.name}`);
  const result = await esbuild.build(esbuildOptions(path.join(REPO_ROOT, functionEntry(full)), options));
  const code = result.outputFiles.find((file) => /\.m?js$/.test(file.path));
  if (!code) throw new Error(`${spec.name}: esbuild produced no JavaScript`);
  const output = Object.values(result.metafile.outputs).find((candidate) => candidate.entryPoint);
  const groups = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const group = importGroup(input);
    groups.set(group, (groups.get(group) ?? 0) + bytesInOutput);
  }
  const imports = [...groups].map(([name, bytes]) => ({ name, bytes })).filter((entry) => entry.bytes > 0).sort((a, b) => b.bytes - a.bytes);
  return { name: spec.name, bytes: code.contents.byteLength, gzipBytes: gzipSync(code.contents).byteLength, imports };
}

export async function bundleSizes(specs: readonly Pick<FunctionSpec, 'name'>[] = FUNCTIONS, options: { tracing?: boolean } = {}): Promise<BundleSize[]> {
  const sizes: BundleSize[] = [];
  for (const spec of specs) sizes.push(await bundleSize(spec, options));
  return sizes;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function formatReport(sizes: readonly BundleSize[], options: { limitBytes?: number; top?: number } = {}): string {
  const limit = options.limitBytes ?? DEFAULT_LIMIT_BYTES;
  const top = options.top ?? 4;
  const rows = [...sizes].sort((a, b) => b.bytes - a.bytes);
  const nameWidth = Math.max('function'.length, ...rows.map((row) => row.name.length));
  const lines = [
    `${'function'.padEnd(nameWidth)}  ${'minified'.padStart(10)}  ${'gzip'.padStart(9)}  ok  largest imports`,
    `${'-'.repeat(nameWidth)}  ${'-'.repeat(10)}  ${'-'.repeat(9)}  --  ${'-'.repeat(15)}`,
  ];
  for (const row of rows) {
    const largest = row.imports
      .slice(0, top)
      .map((entry) => `${entry.name} ${kb(entry.bytes)}`)
      .join(', ');
    lines.push(`${row.name.padEnd(nameWidth)}  ${kb(row.bytes).padStart(10)}  ${kb(row.gzipBytes).padStart(9)}  ${row.bytes <= limit ? 'ok' : '!!'}  ${largest}`);
  }
  const over = rows.filter((row) => row.bytes > limit);
  lines.push('');
  lines.push(
    over.length === 0
      ? `All ${rows.length} bundles are within ${kb(limit)}.`
      : `${over.length} of ${rows.length} bundles exceed ${kb(limit)}: ${over.map((row) => `${row.name} (${kb(row.bytes)})`).join(', ')}.`,
  );
  return lines.join('\n');
}

interface CliOptions {
  names: string[];
  limitBytes: number;
  top: number;
  json: boolean;
  tracing: boolean;
}

export function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { names: [], limitBytes: DEFAULT_LIMIT_BYTES, top: 4, json: false, tracing: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      const parsed = Number(next);
      if (next === undefined || !Number.isFinite(parsed) || parsed <= 0) throw new Error(`${arg} needs a positive number`);
      return parsed;
    };
    if (arg === '--limit-kb') options.limitBytes = Math.round(value() * 1024);
    else if (arg === '--top') options.top = Math.floor(value());
    else if (arg === '--json') options.json = true;
    else if (arg === '--tracing') options.tracing = true;
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else options.names.push(arg);
  }
  return options;
}

/** Prints the report; the exit code is 1 if a bundle exceeds the limit, 2 on bad arguments. */
export async function main(argv: readonly string[], out: (text: string) => void = console.log): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    out(`bundle-report: ${(error as Error).message}`);
    return 2;
  }
  const unknown = options.names.filter((name) => !FUNCTIONS.some((spec) => spec.name === name));
  if (unknown.length > 0) {
    out(`bundle-report: no function ${unknown.join(', ')} in infra/platform-spec.ts`);
    return 2;
  }
  const specs = options.names.length > 0 ? FUNCTIONS.filter((spec) => options.names.includes(spec.name)) : FUNCTIONS;
  const sizes = await bundleSizes(specs, { tracing: options.tracing });
  out(options.json ? JSON.stringify({ limitBytes: options.limitBytes, bundles: sizes }, null, 2) : formatReport(sizes, options));
  return sizes.some((size) => size.bytes > options.limitBytes) ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
