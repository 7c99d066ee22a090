/**
 * How requests are authenticated and authorized, from the environment the stack (or
 * the local runtime) gives every function.
 *
 * - `SLUICE_AUTH_MODE`: `iam` (API Gateway's SigV4 authorizer; the principal is the
 *   caller's IAM ARN), `jwt` (API Gateway's JWT authorizer; the principal is the token's
 *   `sub`), `token` (a static bearer token checked here; for local use) or `none`.
 * - `SLUICE_AUTH_TOKENS`: for `token`, `principal=token` pairs separated by commas; or
 *   `SLUICE_AUTH_TOKEN`, one token for the principal `local`.
 * - `SLUICE_AUTHORIZATION`: `acl` to check ACLs on every route, `off` to skip them.
 *   Defaults to `acl` unless the mode is `none`.
 * - `SLUICE_ADMIN_PRINCIPALS`: principals allowed everything (to bootstrap the ACLs).
 * - `SLUICE_DEFAULT_PRODUCE_BYTES_PER_SECOND`, `SLUICE_DEFAULT_FETCH_BYTES_PER_SECOND`:
 *   quotas for principals without their own; unset means unlimited.
 */
export type AuthMode = 'iam' | 'jwt' | 'token' | 'none';

export interface AuthConfig {
  mode: AuthMode;
  tokens: Map<string, string>;
  aclsEnforced: boolean;
  admins: Set<string>;
  defaultQuota: { produceBytesPerSecond: number | null; fetchBytesPerSecond: number | null };
}

export function authConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const mode = (env.SLUICE_AUTH_MODE ?? 'none') as AuthMode;
  if (!['iam', 'jwt', 'token', 'none'].includes(mode)) throw new Error(`SLUICE_AUTH_MODE must be iam, jwt, token or none; got '${mode}'`);
  const tokens = new Map<string, string>();
  for (const pair of (env.SLUICE_AUTH_TOKENS ?? '').split(',').filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`SLUICE_AUTH_TOKENS entries are principal=token; got '${pair}'`);
    tokens.set(pair.slice(at + 1), pair.slice(0, at));
  }
  if (env.SLUICE_AUTH_TOKEN) tokens.set(env.SLUICE_AUTH_TOKEN, 'local');
  if (mode === 'token' && tokens.size === 0) throw new Error('SLUICE_AUTH_MODE=token needs SLUICE_AUTH_TOKEN or SLUICE_AUTH_TOKENS');
  const rate = (name: string): number | null => {
    const raw = env[name];
    if (raw === undefined || raw === '') return null;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
    return value;
  };
  return {
    mode,
    tokens,
    aclsEnforced: (env.SLUICE_AUTHORIZATION ?? (mode === 'none' ? 'off' : 'acl')) === 'acl',
    admins: new Set((env.SLUICE_ADMIN_PRINCIPALS ?? '').split(',').map((p) => p.trim()).filter(Boolean)),
    defaultQuota: {
      produceBytesPerSecond: rate('SLUICE_DEFAULT_PRODUCE_BYTES_PER_SECOND'),
      fetchBytesPerSecond: rate('SLUICE_DEFAULT_FETCH_BYTES_PER_SECOND'),
    },
  };
}
