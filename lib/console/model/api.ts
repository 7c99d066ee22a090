import { SluiceAdmin, SluiceHttpClient } from '../../client/index';

/**
 * The console's one way to the API: the Sluice client, same-origin. Locally the platform
 * serves the console beside the API; `sluice console --url` serves it beside a proxy that
 * signs each call. A bearer token (local static tokens, JWT) is kept for the tab only.
 */
export interface Api {
  client: SluiceHttpClient;
  admin: SluiceAdmin;
}

const TOKEN_KEY = 'sluice.console.token';

export function storedToken(): string | undefined {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeToken(token: string | undefined): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage refused (private mode): the token lasts until the page reloads.
  }
}

export function createApi(baseUrl: string, token: string | undefined): Api {
  const client = new SluiceHttpClient({
    baseUrl,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    // Long enough for a live view's long-polls; a dead server still shows as an error.
    timeoutMs: 45_000,
  });
  return { client, admin: new SluiceAdmin(client) };
}
