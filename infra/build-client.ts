/**
 * Builds the client library (lib/client/) as a package of its own that runs on plain
 * JavaScript runtimes, without tsx or a bundler: one ES module bundled by esbuild
 * (platform-neutral: no Node built-ins; the SigV4 packages stay dependencies) and
 * its type declarations from the TypeScript compiler.
 *
 *   npm run build:client                  # into dist/client
 *   npm run build:client -- --out <dir>
 *
 * The result is an npm package (`sluice-client`): `npm pack` it, publish it, or
 * `npm install <path>/dist/client` from another project.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import ts from 'typescript';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = path.join(REPO_ROOT, 'lib/client/index.ts');

/** Loaded by the client at run time, not bundled: the SigV4 signer and the credential chain (Node-only, loaded on first use). */
export const CLIENT_DEPENDENCIES = ['@aws-crypto/sha256-js', '@smithy/signature-v4', '@aws-sdk/credential-provider-node'] as const;

export interface ClientBuild {
  readonly outDir: string;
  /** Bytes of the bundled module. */
  readonly bundleBytes: number;
  /** Declaration files written. */
  readonly declarations: number;
  /** Modules the bundle imports (all of them dependencies in its package.json). */
  readonly imports: readonly string[];
}

export async function buildClient(outDir = path.join(REPO_ROOT, 'dist/client')): Promise<ClientBuild> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2022',
    external: [...CLIENT_DEPENDENCIES],
    outfile: path.join(outDir, 'index.js'),
    sourcemap: true,
    metafile: true,
    absWorkingDir: REPO_ROOT,
    logLevel: 'silent',
  });
  const output = result.metafile.outputs[path.relative(REPO_ROOT, path.join(outDir, 'index.js')).split(path.sep).join('/')];
  const imports = [...new Set((output?.imports ?? []).map((i) => i.path))].sort();
  const foreign = imports.filter((i) => !(CLIENT_DEPENDENCIES as readonly string[]).includes(i));
  if (foreign.length > 0) throw new Error(`the client bundle imports ${foreign.join(', ')}: it must use only fetch and the signing packages`);

  const declarations = emitDeclarations(path.join(outDir, 'types'));
  const root = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; license: string; dependencies: Record<string, string> };
  const pkg = {
    name: 'sluice-client',
    version: root.version,
    description: 'TypeScript client for Sluice, a serverless Kafka-like event log: a batching idempotent producer, a group consumer and an admin client.',
    license: root.license,
    type: 'module',
    sideEffects: false,
    engines: { node: '>=20' },
    exports: { '.': { types: './types/client/index.d.ts', default: './index.js' } },
    types: './types/client/index.d.ts',
    dependencies: Object.fromEntries(CLIENT_DEPENDENCIES.map((name) => [name, root.dependencies[name] ?? '*'])),
  };
  writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  return { outDir, bundleBytes: output?.bytes ?? 0, declarations, imports };
}

/**
 * Declarations of the client and the few modules whose types it shares, type-checked
 * against the DOM's globals instead of Node's: a client that compiles here uses no Node API.
 */
function emitDeclarations(outDir: string): number {
  const configFile = ts.readConfigFile(path.join(REPO_ROOT, 'tsconfig.json'), (f) => ts.sys.readFile(f));
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, REPO_ROOT);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: path.join(REPO_ROOT, 'lib'),
    outDir,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: [],
  };
  const program = ts.createProgram([ENTRY], options);
  let written = 0;
  const emitted = program.emit(undefined, (file, text) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    written++;
  });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0) {
    const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => REPO_ROOT, getNewLine: () => '\n' };
    throw new Error(`the client's declarations do not compile without Node's types:\n${ts.formatDiagnostics(diagnostics, host)}`);
  }
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const out = at > 0 ? path.resolve(process.argv[at + 1] ?? '') : undefined;
  const built = await buildClient(out);
  console.log(
    `Built sluice-client in ${path.relative(process.cwd(), built.outDir) || '.'}: index.js ${(built.bundleBytes / 1024).toFixed(1)} KB, ` +
      `${built.declarations} declaration files; imports ${built.imports.join(', ')}.`,
  );
}
