import { InvalidArgumentError } from 'commander';
import { iamSigner } from '../../lib/client/iam-signer';
import { SluiceHttpClient, type SluiceHttpClientOptions } from '../../lib/client/sluice-http-client';
import type { WatchSocket, WatchSocketFactory } from '../../lib/client/tail-watcher';

/** What every command shares: the global options, the API client they make, and input errors. */

export const DEFAULT_URL = 'http://localhost:8780';
/** The request body limit; a line longer than this can never be sent. */
export const REQUEST_BODY_MAX_BYTES = 5 * 1024 * 1024;
export const FETCH_MAX_RECORDS = 500;
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface GlobalOptions {
  url: string;
  json?: boolean;
  auth: 'none' | 'iam' | 'token';
  token?: string;
  region?: string;
  /** Where consumers wait at the tail (`--watch-url`, SLUICE_WATCH_URL), instead of long-polling. */
  watchUrl?: string;
}

/** Bad input read from stdin or the arguments (not a usage error: the command line itself was fine). */
/** A line printed after an error's own, to say what it means for the work done (produce: what was committed). */
export const notes = new WeakMap<Error, string>();

export class InputError extends Error {
  readonly code = 'INVALID_INPUT';
  readonly retriable = false;
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The API client of a command; `webSocket` for the consumers' watch connection (see `watchSocket`). */
export function clientFor(globals: GlobalOptions, webSocket?: WatchSocketFactory): SluiceHttpClient {
  const auth = globals.auth === 'none' && globals.token ? 'token' : globals.auth;
  const watch: Partial<SluiceHttpClientOptions> = globals.watchUrl === undefined ? {} : { watchUrl: globals.watchUrl, ...(webSocket && { webSocket }) };
  if (auth === 'token') {
    if (!globals.token) throw new InvalidArgumentError('--auth token needs --token (or SLUICE_TOKEN)');
    return new SluiceHttpClient({ baseUrl: globals.url, headers: { authorization: `Bearer ${globals.token}` }, ...watch });
  }
  if (auth === 'iam') return new SluiceHttpClient({ baseUrl: globals.url, signer: iamSigner({ region: globals.region }), ...watch });
  return new SluiceHttpClient({ baseUrl: globals.url, ...watch });
}

/**
 * How a consuming command opens its watch connection: the runtime's WebSocket (Node 22+),
 * else the `ws` package's (Node 20 has no global one), loaded only when a watch URL is given.
 */
export async function watchSocket(globals: GlobalOptions): Promise<WatchSocketFactory | undefined> {
  if (globals.watchUrl === undefined || (globalThis as { WebSocket?: unknown }).WebSocket) return undefined;
  const { default: WebSocket } = await import('ws');
  return (url) => new WebSocket(url) as unknown as WatchSocket;
}
