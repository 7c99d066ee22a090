/**
 * Builds the client library (lib/client/) as a package of its own that runs on plain
 * JavaScript runtimes, without tsx or a bundler: ES modules bundled by esbuild
 * (platform-neutral: no Node built-ins; the SigV4 packages stay dependencies) and
 * its type declarations from the TypeScript compiler.
 *
 *   npm run build:client                  # into dist/client
 *   npm run build:client -- --out <dir>
 *
 * The result is an npm package (`sluice-client`): `npm pack` it, publish it, or
 * `npm install <path>/dist/client` from another project.
 *
 * ESM only (docs/design.md, "Packages"). Two modules are Node's alone, and the client
 * imports them on first use only: the decoder of the binary fetch answer
 * (lib/client/record-batches-reader.ts, which inflates with node:zlib) and the AWS
 * credential chain. Each is reached through a package import (`#record-batches-reader`,
 * `#aws-credential-chain`) that a browser bundler (the `browser` condition) resolves to
 * a stub instead, so a browser bundle holds no `node:` import. The reader is its own
 * file; the code it shares with the client is one chunk, so their error classes are one.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import ts from 'typescript';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = path.join(REPO_ROOT, 'lib/client/index.ts');
const READER = path.join(REPO_ROOT, 'lib/client/record-batches-reader.ts');
/**
 * The client's Node-only modules, each imported on first use (a dynamic import): in the
 * package, each becomes a package import (package.json `imports`) that resolves to the
 * module on Node and to a stub throwing a clear error under a bundler's `browser`
 * condition, so a browser bundle holds no `node:` import. `stub` is the stub's body.
 */
export const NODE_ONLY_IMPORTS = [
  {
    // Decodes the binary fetch answer; inflates with node:zlib. The client asks for it on Node only.
    source: './record-batches-reader',
    alias: '#record-batches-reader',
    target: './record-batches-reader.js',
    stub: `export function fetchResponseFromBatches() {
  throw unsupported('sluice-client decodes binary (batches) fetch answers on Node only: use the JSON format (the default in a browser)');
}`,
  },
  {
    // The standard AWS credential chain (files, processes, instance metadata), for iamSigner() without credentials.
    source: '@aws-sdk/credential-provider-node',
    alias: '#aws-credential-chain',
    target: '@aws-sdk/credential-provider-node',
    stub: `export function defaultProvider() {
  throw unsupported('iamSigner() needs its credentials option in a browser: the standard AWS credential chain is Node-only');
}`,
  },
] as const;
const TYPES_ENTRY = './types/client/index.d.ts';

/**
 * Loaded by the client at run time, not bundled: the SigV4 signer and the credential chain
 * (Node-only, loaded on first use), and zod, whose types the wire contract's declarations
 * use (bundled, it would be a second copy beside the one the types need).
 */
export const CLIENT_DEPENDENCIES = ['@aws-crypto/sha256-js', '@smithy/signature-v4', '@aws-sdk/credential-provider-node', 'zod'] as const;
/** The oldest Node the package runs on: its dependencies' (the AWS credential chain's) floor; test/infra/build-client.test.ts runs it on Node 20. */
export const CLIENT_NODE_ENGINE = '>=20';

export interface ClientBuild {
  readonly outDir: string;
  /** Bytes of the bundled modules loaded by `import 'sluice-client'` (the entry and the chunk it shares with the reader). */
  readonly bundleBytes: number;
  /** Declaration files written. */
  readonly declarations: number;
  /** Packages the bundle imports (all of them dependencies in its package.json). */
  readonly imports: readonly string[];
  /** Packages the declarations import (dependencies too: without them a consumer's types degrade to `any`). */
  readonly typeImports: readonly string[];
}

export async function buildClient(outDir = path.join(REPO_ROOT, 'dist/client')): Promise<ClientBuild> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { index: ENTRY, 'record-batches-reader': READER },
    bundle: true,
    splitting: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2022',
    // node:zlib is imported by the reader alone (checked below).
    external: [...CLIENT_DEPENDENCIES.flatMap((name) => [name, `${name}/*`]), 'node:*'],
    outdir: outDir,
    chunkNames: 'chunk-[hash]',
    sourcemap: true,
    metafile: true,
    absWorkingDir: REPO_ROOT,
    logLevel: 'silent',
    plugins: [nodeOnlyThroughPackageImports],
  });
  const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
  const readerFile = outputs.find(([, output]) => output.entryPoint && path.resolve(REPO_ROOT, output.entryPoint) === READER)?.[0];
  const foreign: string[] = [];
  const imports = new Set<string>();
  for (const [file, output] of outputs) {
    for (const { path: name, external } of output.imports) {
      if (!external) continue;
      const lazy = NODE_ONLY_IMPORTS.find(({ alias }) => alias === name);
      if (lazy) {
        if (dependencyOf(lazy.target)) imports.add(dependencyOf(lazy.target)!);
        continue;
      }
      if (name.startsWith('node:')) {
        if (file !== readerFile) foreign.push(`${name} (in ${path.basename(file)})`);
      } else if (dependencyOf(name)) imports.add(dependencyOf(name)!);
      else foreign.push(name);
    }
  }
  if (foreign.length > 0) throw new Error(`the client bundle imports ${foreign.join(', ')}: it must use only fetch and the signing packages (Node's built-ins in the batches reader alone)`);
  for (const { alias, stub } of NODE_ONLY_IMPORTS) {
    writeFileSync(
      path.join(outDir, browserStubFile(alias)),
      `// What ${alias} is in a browser bundle (package.json "imports"): the Node-only module it stands for cannot run there.
${stub}

function unsupported(message) {
  return Object.assign(new Error(message), { name: 'NodeOnlyError', code: 'UNSUPPORTED_RUNTIME', retriable: false });
}
`,
    );
  }

  const { written: declarations, packages: typeImports } = emitDeclarations(path.join(outDir, 'types'));
  const needed = new Set([...imports, ...typeImports]);
  const root = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; license: string; dependencies: Record<string, string> };
  const pkg = {
    name: 'sluice-client',
    version: root.version,
    description: 'TypeScript client for Sluice, a serverless Kafka-like event log: a batching idempotent producer, a group consumer and an admin client.',
    license: root.license,
    type: 'module',
    sideEffects: false,
    engines: { node: CLIENT_NODE_ENGINE },
    exports: { '.': { types: TYPES_ENTRY, default: './index.js' }, './package.json': './package.json' },
    imports: Object.fromEntries(NODE_ONLY_IMPORTS.map(({ alias, target }) => [alias, { browser: `./${browserStubFile(alias)}`, default: target }])),
    types: TYPES_ENTRY,
    files: ['*.js', '*.js.map', 'types/', 'README.md', 'LICENSE'],
    dependencies: Object.fromEntries(CLIENT_DEPENDENCIES.filter((name) => needed.has(name)).map((name) => [name, root.dependencies[name] ?? '*'])),
  };
  writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  copyFileSync(path.join(REPO_ROOT, 'LICENSE'), path.join(outDir, 'LICENSE'));
  writeFileSync(path.join(outDir, 'README.md'), CLIENT_README);
  const index = outputs.find(([file]) => path.basename(file) === 'index.js')?.[1];
  const loaded = (index?.bytes ?? 0) + outputs.filter(([file]) => index?.imports.some((i) => !i.external && i.path === file)).reduce((sum, [, o]) => sum + o.bytes, 0);
  return { outDir, bundleBytes: loaded, declarations, imports: [...imports].sort(), typeImports };
}

/** The dependency a bare import is of (`zod/mini` → `zod`), if it is one. */
function dependencyOf(specifier: string): string | undefined {
  return CLIENT_DEPENDENCIES.find((name) => specifier === name || specifier.startsWith(`${name}/`));
}

function browserStubFile(alias: string): string {
  return `${alias.slice(1)}.browser.js`;
}

/** The client's lazy imports of its Node-only modules become the package imports that pick them or their browser stubs. */
const nodeOnlyThroughPackageImports: esbuild.Plugin = {
  name: 'node-only-through-package-imports',
  setup(build) {
    build.onResolve({ filter: /./ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const lazy = NODE_ONLY_IMPORTS.find(({ source }) => source === args.path);
      if (!lazy) throw new Error(`${args.importer} imports ${args.path} on first use: list it in NODE_ONLY_IMPORTS, or import it statically`);
      return { path: lazy.alias, external: true };
    });
  },
};

/**
 * Declarations of the client and the few modules whose types it shares, type-checked
 * against the DOM's globals instead of Node's: a client that compiles here uses no Node API.
 * The batches reader (Node's, and in no declaration) is seen as its signature alone.
 * Relative imports get their `.js` extension, without which a `node16`/`nodenext`
 * consumer resolves nothing and every type silently becomes `any`.
 */
function emitDeclarations(outDir: string): { written: number; packages: string[] } {
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
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, ...rest) => {
    if (fileName === NODE_DETECTION_FILE) return ts.createSourceFile(fileName, NODE_DETECTION, language);
    return path.resolve(fileName) === READER ? ts.createSourceFile(fileName, READER_SIGNATURE, language) : getSourceFile(fileName, language, ...rest);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => fileName === NODE_DETECTION_FILE || fileExists(fileName);
  const program = ts.createProgram([ENTRY, NODE_DETECTION_FILE], options, host);
  let written = 0;
  const packages = new Set<string>();
  const emitted = program.emit(
    undefined,
    (file, text) => {
      if (path.basename(file) === 'record-batches-reader.d.ts') return;
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
      written++;
      for (const [, specifier] of text.matchAll(/(?:from |import\()["']([^"'.][^"']*)["']/g)) {
        const name = dependencyOf(specifier!);
        if (!name) throw new Error(`${path.relative(outDir, file)} imports ${specifier}, which is not one of the client's dependencies`);
        packages.add(name);
      }
    },
    undefined,
    true,
    { afterDeclarations: [withJsExtensions] },
  );
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0) {
    const formatHost = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => REPO_ROOT, getNewLine: () => '\n' };
    throw new Error(`the client's declarations do not compile without Node's types:\n${ts.formatDiagnostics(diagnostics, formatHost)}`);
  }
  return { written, packages: [...packages].sort() };
}

/**
 * What of Node's the client may name: `process`, after `typeof process` tells whether it
 * runs on Node (where it asks for batches answers), and there only its versions and env.
 */
const NODE_DETECTION_FILE = path.join(REPO_ROOT, 'lib/client/__node-detection__.d.ts');
const NODE_DETECTION = `declare var process: { readonly versions: { readonly node?: string }; readonly env: Record<string, string | undefined> };
`;

const READER_SIGNATURE = `import type { FetchResponse } from './types';
export declare function fetchResponseFromBatches(body: Uint8Array, headers: Headers, where: object): FetchResponse;
`;

/** Rewrites relative module specifiers in a declaration file to the `.js` files they name (`./types` → `./types.js`, `./dir` → `./dir/index.js`). */
function withJsExtensions(context: ts.TransformationContext): (node: ts.SourceFile | ts.Bundle) => ts.SourceFile | ts.Bundle {
  const f = context.factory;
  return (node) => {
    if (!ts.isSourceFile(node)) return node;
    const dir = path.dirname(node.fileName);
    const specifier = (literal: ts.Node | undefined): ts.StringLiteral | undefined => {
      if (!literal || !ts.isStringLiteral(literal) || !/^\.\.?\//.test(literal.text) || literal.text.endsWith('.js')) return undefined;
      const target = path.resolve(dir, literal.text);
      if (existsSync(`${target}.ts`)) return f.createStringLiteral(`${literal.text}.js`);
      if (existsSync(path.join(target, 'index.ts'))) return f.createStringLiteral(`${literal.text}/index.js`);
      throw new Error(`${node.fileName}: cannot tell which file '${literal.text}' names`);
    };
    const visit = (child: ts.Node): ts.Node => {
      if (ts.isImportDeclaration(child)) {
        const to = specifier(child.moduleSpecifier);
        if (to) return f.updateImportDeclaration(child, child.modifiers, child.importClause, to, child.attributes);
      } else if (ts.isExportDeclaration(child)) {
        const to = specifier(child.moduleSpecifier);
        if (to) return f.updateExportDeclaration(child, child.modifiers, child.isTypeOnly, child.exportClause, to, child.attributes);
      } else if (ts.isImportTypeNode(child) && ts.isLiteralTypeNode(child.argument)) {
        const to = specifier(child.argument.literal);
        if (to) return f.updateImportTypeNode(child, f.createLiteralTypeNode(to), child.attributes, child.qualifier, child.typeArguments, child.isTypeOf);
      }
      return ts.visitEachChild(child, visit, context);
    };
    return ts.visitEachChild(node, visit, context);
  };
}

const CLIENT_README = `# sluice-client

The TypeScript client of Sluice, a serverless, Kafka-like event log on S3, DynamoDB and
Lambda: the HTTP client, a batching idempotent producer, a group consumer and an admin
client. ES modules with type declarations; runs on Node 20 or later and in browsers.

\`\`\`ts
import { SluiceAdmin, SluiceHttpClient, SluiceProducer } from 'sluice-client';

const client = new SluiceHttpClient({ baseUrl: 'http://localhost:8780' });
await new SluiceAdmin(client).createTopic('orders', { partitions: 4 });
const producer = new SluiceProducer(client);
await Promise.all(await producer.send('orders', [{ key: 'customer-1', value: 'first order' }]));
await producer.close();
\`\`\`

Licensed under the Apache License 2.0 (LICENSE).
`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const out = at > 0 ? path.resolve(process.argv[at + 1] ?? '') : undefined;
  const built = await buildClient(out);
  console.log(
    `Built sluice-client in ${path.relative(process.cwd(), built.outDir) || '.'}: index.js and its chunk ${(built.bundleBytes / 1024).toFixed(1)} KB, ` +
      `${built.declarations} declaration files; imports ${built.imports.join(', ')}; its types import ${built.typeImports.join(', ')}.`,
  );
}
