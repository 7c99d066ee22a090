import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsoleAssets } from './build-console';

/** Where the console is served: `/console/`, and `/` sends people there. */
export const CONSOLE_PATH = '/console/';

/**
 * The console's own headers. Its script and styles come from the same origin only, and it
 * talks only to the same origin (the API, or the signing proxy of `sluice console`).
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // The files change with the code: a reload must fetch them again.
  'cache-control': 'no-cache',
};

/**
 * Answers a request for the console, or returns false for anything else (the API's).
 * `assets` is asked on the first request, so a platform nobody browses never builds it.
 */
export async function serveConsole(req: IncomingMessage, res: ServerResponse, assets: () => Promise<ConsoleAssets>): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return false;
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path === '/' || path === '/console') {
    res.writeHead(302, { location: CONSOLE_PATH, 'content-length': 0 });
    res.end();
    return true;
  }
  if (!path.startsWith(CONSOLE_PATH)) return false;
  const name = path.slice(CONSOLE_PATH.length) || 'index.html';
  const asset = (await assets()).get(name);
  if (!asset) {
    const text = 'Not Found';
    res.writeHead(404, { ...CONSOLE_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'content-length': text.length });
    res.end(text);
    return true;
  }
  res.writeHead(200, { ...CONSOLE_HEADERS, 'content-type': asset.contentType, 'content-length': asset.body.byteLength });
  res.end(method === 'HEAD' ? undefined : asset.body);
  return true;
}
