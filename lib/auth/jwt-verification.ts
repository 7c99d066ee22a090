import { JwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwtBaseError } from 'aws-jwt-verify/error';
import type { Jwks } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { UnauthenticatedError } from './auth-errors';

/**
 * JWT verification done by a function itself, for an endpoint API Gateway's JWT authorizer
 * does not stand in front of: the live-read function URL of a `jwt` stack
 * (functions/http/stream-reads.ts; docs/design.md, "Live reads (SSE)"). It checks what that
 * authorizer checks, with the same issuer and audiences the stack gives it, so a token
 * the HTTP API accepts is accepted here and no other:
 *
 * - the signature, with a key of the issuer's JWKS named by the token's `kid` (the JWKS
 *   found through the issuer's OpenID discovery document, as API Gateway finds it);
 * - `iss` equal to the issuer; `exp` present and not past; `nbf` and `iat` not in the future;
 * - `aud` naming one of the audiences, or else `client_id` equal to one (Cognito access tokens).
 *
 * Verified claims are passed on as API Gateway passes them (`requestContext.authorizer.jwt.claims`),
 * so the principal is `sub` through the same code as on the HTTP API (lib/auth/principal.ts).
 */

export const JWT_ISSUER_ENV_VAR = 'SLUICE_JWT_ISSUER';
/** Comma-separated. */
export const JWT_AUDIENCE_ENV_VAR = 'SLUICE_JWT_AUDIENCE';

export interface JwtSettings {
  readonly issuer: string;
  readonly audience: readonly string[];
  /** Where the issuer's keys are; found through `<issuer>/.well-known/openid-configuration` when absent. */
  readonly jwksUri?: string;
}

/** The settings in SLUICE_JWT_ISSUER and SLUICE_JWT_AUDIENCE; undefined when the issuer is unset. */
export function jwtSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): JwtSettings | undefined {
  const issuer = env[JWT_ISSUER_ENV_VAR];
  if (!issuer) return undefined;
  const audience = (env[JWT_AUDIENCE_ENV_VAR] ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  if (audience.length === 0) throw new Error(`${JWT_AUDIENCE_ENV_VAR} must name at least one audience when ${JWT_ISSUER_ENV_VAR} is set`);
  return { issuer, audience };
}

/** `Authorization: Bearer <jwt>`, or the bare token (API Gateway accepts either). */
export function bearerToken(authorization: string | undefined): string | undefined {
  const value = authorization?.trim();
  if (!value) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value);
  return match ? match[1] : /\s/.test(value) ? undefined : value;
}

type Fetcher = (url: string) => Promise<unknown>;

const fetchJson: Fetcher = async (url) => {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response.json();
};

export interface JwtAuthenticatorOptions {
  /** Fetches the discovery document (tests pass their own). */
  readonly fetchJson?: Fetcher;
  /** Keys to trust without fetching them (tests). */
  readonly jwks?: Jwks;
}

/** Verifies bearer tokens against one issuer; keep one per container (it caches the issuer's keys). */
export class JwtAuthenticator {
  private verifier: Promise<ReturnType<typeof JwtVerifier.create>> | undefined;

  constructor(
    private readonly settings: JwtSettings,
    private readonly options: JwtAuthenticatorOptions = {},
  ) {}

  /** The verified token's claims; `401 UNAUTHENTICATED` naming the reason for a missing or refused token. */
  async claimsOf(authorization: string | undefined): Promise<JwtPayload> {
    const token = bearerToken(authorization);
    if (!token) throw new UnauthenticatedError('Missing bearer token; send "authorization: Bearer <jwt>"');
    const verifier = await this.ready();
    try {
      return await verifier.verify(token);
    } catch (error) {
      // A key the issuer could not be asked for is not the caller's fault: a logged 500.
      if (error instanceof FetchError || !(error instanceof JwtBaseError)) throw error;
      throw new UnauthenticatedError(`The bearer token is not valid: ${error.message}`);
    }
  }

  private ready(): Promise<ReturnType<typeof JwtVerifier.create>> {
    this.verifier ??= this.create().catch((error: unknown) => {
      // Try discovery again on the next request rather than failing the container for ever.
      this.verifier = undefined;
      throw error;
    });
    return this.verifier;
  }

  private async create(): Promise<ReturnType<typeof JwtVerifier.create>> {
    const { issuer, audience } = this.settings;
    const jwksUri = this.settings.jwksUri ?? (this.options.jwks ? undefined : await discoverJwksUri(issuer, this.options.fetchJson ?? fetchJson));
    const verifier = JwtVerifier.create({
      issuer,
      ...(jwksUri ? { jwksUri } : {}),
      // Checked below as API Gateway checks it: aud, or else client_id.
      audience: null,
      customJwtCheck: ({ payload }) => checkClaims(payload, audience),
    });
    if (this.options.jwks) verifier.cacheJwks(this.options.jwks);
    return verifier;
  }
}

/** The claims API Gateway's JWT authorizer requires beyond the signature and `iss`. */
export function checkClaims(payload: JwtPayload, audience: readonly string[]): void {
  if (typeof payload.exp !== 'number') throw new UnauthenticatedError('The bearer token is not valid: it has no exp claim');
  const now = Date.now() / 1000;
  if (typeof payload.iat === 'number' && payload.iat > now + 1) throw new UnauthenticatedError('The bearer token is not valid: it was issued in the future (iat)');
  const aud = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const matches = aud.length > 0 ? aud.some((entry) => audience.includes(entry)) : typeof payload.client_id === 'string' && audience.includes(payload.client_id);
  if (!matches) throw new UnauthenticatedError('The bearer token is not valid: its aud (or client_id) names none of the API\'s audiences');
}

/** The issuer's `jwks_uri`, from its OpenID discovery document. */
export async function discoverJwksUri(issuer: string, fetcher: Fetcher): Promise<string> {
  const document = (await fetcher(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`)) as { jwks_uri?: unknown } | null;
  const jwksUri = document?.jwks_uri;
  if (typeof jwksUri !== 'string' || !jwksUri.startsWith('https://')) throw new Error(`The OpenID discovery document of ${issuer} names no https jwks_uri`);
  return jwksUri;
}
