/**
 * Builds the `sluice` command line (bin/sluice.ts) as an npm package that installs and
 * runs on plain Node 22: no tsx, no TypeScript, and no dependencies at all. esbuild
 * bundles everything the CLI imports (commander, the client, the SigV4 packages, ws);
 * what it loads only on some paths (the AWS credential chain, the WebSocket client, the
 * batch decoder) is split into chunks loaded on first use, so `sluice --help` parses
 * only the CLI and the client. The web console `sluice console` serves is built here too,
 * into `console/` beside `bin/`: the package has neither its source nor esbuild.
 *
 *   npm run build:cli                    # into dist/cli
 *   npm run build:cli -- --out <dir>
 *
 * The result: `npm pack dist/cli` and `npm install -g sluice-<version>.tgz`.
 */
import { builtinModules } from 'node:module';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { writeConsoleAssets } from '../console/build-console';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = path.join(REPO_ROOT, 'bin/sluice.ts');

/** What the packages run on: the CLI's own dependencies (commander, the AWS credential chain) need Node 20, and this is the Node it is built and tested for. */
export const CLI_NODE_ENGINE = '>=22';
/** The optional native helpers ws tries (in try/catch) and does without. */
const OPTIONAL_NATIVE = ['bufferutil', 'utf-8-validate'];

/**
 * From the repository, `sluice console` builds the console from lib/console with esbuild;
 * the package serves the prebuilt copy instead, so that path is replaced by one that says
 * the copy is missing (and esbuild stays out of the bundle).
 */
const prebuiltConsoleOnly: esbuild.Plugin = {
  name: 'prebuilt-console-only',
  setup(build) {
    build.onResolve({ filter: /(^|\/)infra\/console\/build-console(\.ts)?$/ }, () => ({ path: 'build-console', namespace: 'prebuilt-console-only' }));
    build.onLoad({ filter: /.*/, namespace: 'prebuilt-console-only' }, () => ({
      contents: "export async function buildConsoleAssets() { throw new Error('the console files are missing from this package (its console/ directory)'); }",
      loader: 'js',
    }));
  },
};

export interface CliBuild {
  readonly outDir: string;
  /** Bytes of the module `sluice` starts by loading. */
  readonly entryBytes: number;
  /** Bytes of every JavaScript file written (the entry and its lazily loaded chunks). */
  readonly totalBytes: number;
  /** Modules the output still imports: only Node's built-ins. */
  readonly imports: readonly string[];
  /** Bytes of the web console's three files (console/). */
  readonly consoleBytes: number;
}

export async function buildCli(outDir = path.join(REPO_ROOT, 'dist/cli')): Promise<CliBuild> {
  rmSync(outDir, { recursive: true, force: true });
  const binDir = path.join(outDir, 'bin');
  mkdirSync(binDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { sluice: ENTRY },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outdir: binDir,
    chunkNames: 'chunks/[name]-[hash]',
    external: OPTIONAL_NATIVE,
    // Bundled CommonJS packages (the AWS SDK, ws) call require() for Node's built-ins: an ES module has none of its own.
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __sluiceCreateRequire } from 'node:module';\nconst require = __sluiceCreateRequire(import.meta.url);" },
    // Smaller to parse at every start; names are kept, so stack traces (SLUICE_DEBUG) still read.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    metafile: true,
    absWorkingDir: REPO_ROOT,
    plugins: [prebuiltConsoleOnly],
    logLevel: 'silent',
  });
  const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
  const imports = [...new Set(outputs.flatMap(([, output]) => output.imports.filter((i) => i.external).map((i) => i.path)))].sort();
  const foreign = imports.filter((name) => !name.startsWith('node:') && !OPTIONAL_NATIVE.includes(name) && !builtinModules.includes(name));
  if (foreign.length > 0) throw new Error(`the CLI bundle still imports ${foreign.join(', ')}: the package must need nothing but Node`);
  // The dynamically imported modules are entry points in the metafile too: the entry is the one named sluice.js.
  const entry = outputs.find(([file]) => path.basename(file) === 'sluice.js')?.[1];

  const root = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; license: string; description: string };
  // bin/sluice.ts reads its version from ../package.json beside the bundle: this one.
  const pkg = {
    name: 'sluice',
    version: root.version,
    description: 'The sluice command line: topics, produce and consume, groups, push subscriptions, ACLs and quotas on a Sluice event log over its HTTP API.',
    license: root.license,
    type: 'module',
    bin: { sluice: './bin/sluice.js' },
    files: ['bin/', 'console/', 'README.md', 'LICENSE'],
    engines: { node: CLI_NODE_ENGINE },
  };
  writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  copyFileSync(path.join(REPO_ROOT, 'LICENSE'), path.join(outDir, 'LICENSE'));
  writeFileSync(path.join(outDir, 'README.md'), CLI_README);
  // bin/cli/console.ts looks for it at ../console/ from bin/sluice.js.
  const consoleAssets = await writeConsoleAssets(path.join(outDir, 'console'));
  return {
    outDir,
    entryBytes: entry?.bytes ?? 0,
    totalBytes: outputs.reduce((sum, [, output]) => sum + output.bytes, 0),
    imports,
    consoleBytes: [...consoleAssets.values()].reduce((sum, asset) => sum + asset.body.byteLength, 0),
  };
}

const CLI_README = `# sluice

The command line of Sluice, a serverless, Kafka-like event log on
S3, DynamoDB and Lambda: manage topics, produce and consume records, consumer groups,
push subscriptions, ACLs and quotas over the Sluice HTTP API.

\`\`\`sh
npm install -g sluice-<version>.tgz   # Node 22 or later; no other dependency
export SLUICE_URL=http://localhost:8780
sluice topics create orders --partitions 4
printf 'user-1:hello\\nuser-2:world\\n' | sluice produce orders --key-separator :
sluice consume orders --from earliest --key-separator :
sluice console --url https://<api-id>.execute-api.<region>.amazonaws.com --iam   # the web console
sluice --help
\`\`\`

Licensed under the Apache License 2.0 (LICENSE).
`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const out = at > 0 ? path.resolve(process.argv[at + 1] ?? '') : undefined;
  const built = await buildCli(out);
  console.log(
    `Built the sluice CLI package in ${path.relative(process.cwd(), built.outDir) || '.'}: bin/sluice.js ${(built.entryBytes / 1024).toFixed(0)} KB ` +
      `(${(built.totalBytes / 1024).toFixed(0)} KB with its lazily loaded chunks); imports only ${built.imports.join(', ')}; console/ ${(built.consoleBytes / 1024).toFixed(0)} KB.`,
  );
}
