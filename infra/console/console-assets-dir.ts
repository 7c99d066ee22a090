import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConsoleAsset, ConsoleAssets } from './build-console';

/**
 * The console's prebuilt files read back from a directory (`writeConsoleAssets` wrote them):
 * the packaged CLI has no lib/console source and no esbuild, only these three files.
 */
export const CONSOLE_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** Whether `dir` holds a built console. */
export function hasConsoleAssets(dir: string): boolean {
  return Object.keys(CONSOLE_FILES).every((name) => existsSync(join(dir, name)));
}

export function readConsoleAssets(dir: string): ConsoleAssets {
  const assets = new Map<string, ConsoleAsset>();
  for (const [name, contentType] of Object.entries(CONSOLE_FILES)) assets.set(name, { contentType, body: readFileSync(join(dir, name)) });
  return assets;
}
