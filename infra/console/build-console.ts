/**
 * Builds the web console (lib/console/) into three static files with esbuild: `index.html`,
 * `app.js` (Preact, the client and the screens, minified) and `app.css`. The local platform
 * builds it on the first request for it; `sluice console` and the CLI package serve a
 * prebuilt copy (`npm run build:console`).
 *
 *   npm run build:console                 # into dist/console
 *   npm run build:console -- --out <dir>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { NODE_ONLY_IMPORTS } from '../build-client';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = path.join(REPO_ROOT, 'lib/console/main.tsx');
const STYLES = path.join(REPO_ROOT, 'lib/console/styles.css');

export interface ConsoleAsset {
  contentType: string;
  body: Buffer;
}

/** The console's files by name (`index.html`, `app.js`, `app.css`). */
export type ConsoleAssets = ReadonlyMap<string, ConsoleAsset>;

/** Relative asset URLs, so the same files work under `/console/` and at a proxy's root. */
const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sluice console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="app.css">
<script type="module" src="app.js"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Sluice console needs JavaScript.</noscript>
</body>
</html>
`;

/**
 * The client's Node-only modules (the binary fetch decoder, the AWS credential chain) are
 * replaced by the client package's browser stubs: the console fetches JSON and never signs.
 */
const nodeOnlyStubs: esbuild.Plugin = {
  name: 'node-only-stubs',
  setup(build) {
    for (const { source, stub } of NODE_ONLY_IMPORTS) {
      const filter = new RegExp(`^${source.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
      build.onResolve({ filter }, () => ({ path: source, namespace: 'node-only-stub' }));
      build.onLoad({ filter, namespace: 'node-only-stub' }, () => ({
        contents: `${stub}\nfunction unsupported(message) { return Object.assign(new Error(message), { name: 'NodeOnlyError', code: 'UNSUPPORTED_RUNTIME', retriable: false }); }`,
        loader: 'js',
      }));
    }
  },
};

export async function buildConsoleAssets(options: { minify?: boolean } = {}): Promise<ConsoleAssets> {
  const result = await esbuild.build({
    entryPoints: { app: ENTRY, styles: STYLES },
    bundle: true,
    write: false,
    outdir: 'out',
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    minify: options.minify ?? true,
    legalComments: 'none',
    conditions: ['browser'],
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [nodeOnlyStubs],
    logLevel: 'silent',
  });
  const assets = new Map<string, ConsoleAsset>();
  assets.set('index.html', { contentType: 'text/html; charset=utf-8', body: Buffer.from(INDEX_HTML) });
  for (const file of result.outputFiles) {
    const name = path.basename(file.path);
    if (name === 'app.js') assets.set('app.js', { contentType: 'text/javascript; charset=utf-8', body: Buffer.from(file.contents) });
    else if (name === 'styles.css') assets.set('app.css', { contentType: 'text/css; charset=utf-8', body: Buffer.from(file.contents) });
  }
  for (const name of ['app.js', 'app.css']) if (!assets.has(name)) throw new Error(`console build produced no ${name}`);
  return assets;
}

/** Writes the built console into `dir`. */
export async function writeConsoleAssets(dir: string): Promise<ConsoleAssets> {
  const assets = await buildConsoleAssets();
  mkdirSync(dir, { recursive: true });
  for (const [name, asset] of assets) writeFileSync(path.join(dir, name), asset.body);
  return assets;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const dir = path.resolve(at > 0 ? process.argv[at + 1]! : path.join(REPO_ROOT, 'dist/console'));
  const assets = await writeConsoleAssets(dir);
  // Gzipped too: what a browser fetching them from a static host that compresses would download.
  const { gzipSync } = await import('node:zlib');
  let raw = 0;
  let gzipped = 0;
  for (const [name, asset] of assets) {
    const zipped = gzipSync(asset.body, { level: 9 }).byteLength;
    raw += asset.body.byteLength;
    gzipped += zipped;
    console.log(`${path.join(dir, name)}  ${asset.body.byteLength} bytes, ${zipped} gzipped`);
  }
  console.log(`total  ${raw} bytes, ${gzipped} gzipped`);
}
