import { InvalidArgumentError } from 'commander';
import { iamSigner } from '../../lib/client/iam-signer';
import { SluiceHttpClient } from '../../lib/client/sluice-http-client';

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

export function clientFor(globals: GlobalOptions): SluiceHttpClient {
  const auth = globals.auth === 'none' && globals.token ? 'token' : globals.auth;
  if (auth === 'token') {
    if (!globals.token) throw new InvalidArgumentError('--auth token needs --token (or SLUICE_TOKEN)');
    return new SluiceHttpClient({ baseUrl: globals.url, headers: { authorization: `Bearer ${globals.token}` } });
  }
  if (auth === 'iam') return new SluiceHttpClient({ baseUrl: globals.url, signer: iamSigner({ region: globals.region }) });
  return new SluiceHttpClient(globals.url);
}
