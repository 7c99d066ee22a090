import type { AuthConfig } from './auth-config';
import * as z from 'zod/mini';
import { IDENTIFIER_LIMITS, principalSchema } from '../protocol/identifiers';
import { UnauthenticatedError } from './auth-errors';

/** What a request says about its caller, as API Gateway (or the local runtime) passes it. */
export interface RequestIdentity {
  headers?: Record<string, string | undefined>;
  requestContext?: {
    authorizer?: {
      iam?: { userArn?: string };
      jwt?: { claims?: Record<string, unknown> };
    };
  };
}

export const ANONYMOUS = 'anonymous';

/**
 * The caller's principal. With `iam`, API Gateway has verified the SigV4 signature and
 * passes the caller's ARN; an assumed-role session is named by its role, so ACLs can be
 * written for roles. With `jwt`, the verified token's `sub`. With `token`, the principal
 * the bearer token belongs to. With `none`, everyone is anonymous.
 */
export function principalOf(request: RequestIdentity, config: AuthConfig): string {
  const principal = authenticatedPrincipal(request, config);
  // Principals key quota items (a DynamoDB sort key), so one past the identifier rule is refused here, not as a 500 later.
  if (!z.safeParse(principalSchema, principal).success) {
    throw new UnauthenticatedError(`The caller's principal is not usable: at most ${IDENTIFIER_LIMITS.principalMaxBytes} UTF-8 bytes, without control characters`);
  }
  return principal;
}

function authenticatedPrincipal(request: RequestIdentity, config: AuthConfig): string {
  switch (config.mode) {
    case 'none':
      return ANONYMOUS;
    case 'iam': {
      const arn = request.requestContext?.authorizer?.iam?.userArn;
      if (!arn) throw new UnauthenticatedError('The request carries no IAM identity; sign it with SigV4');
      return normaliseIamArn(arn);
    }
    case 'jwt': {
      const sub = request.requestContext?.authorizer?.jwt?.claims?.sub;
      if (typeof sub !== 'string' || sub === '') throw new UnauthenticatedError('The request carries no JWT subject');
      return sub;
    }
    case 'token': {
      const header = request.headers?.authorization ?? request.headers?.Authorization;
      const match = header ? /^Bearer\s+(.+)$/i.exec(header) : null;
      const principal = match ? config.tokens.get(match[1]!.trim()) : undefined;
      if (!principal) throw new UnauthenticatedError('Missing or unknown bearer token; send "authorization: Bearer <token>"');
      return principal;
    }
  }
}

/** `arn:aws:sts::123:assumed-role/Role/session` → `arn:aws:iam::123:role/Role`; other ARNs unchanged. */
export function normaliseIamArn(arn: string): string {
  const match = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : arn;
}

/**
 * What a WebSocket event says about its caller. API Gateway authenticates the
 * connection once, at `$connect` (IAM), and passes the identity it found on every event
 * of the connection; the local platform, which checks a bearer token at connect, passes
 * the token's principal as a Lambda REQUEST authorizer would (`authorizer.principalId`).
 */
export interface ConnectionIdentity {
  requestContext?: {
    identity?: { userArn?: string | null };
    authorizer?: { principalId?: unknown } | null;
  };
}

/**
 * The principal of a WebSocket connection: the IAM ARN (normalised as on HTTP) with
 * `iam`; the principal the local platform resolved from the connect's bearer token with
 * `token`; anonymous with `none`. JWT callers cannot hold a connection (API Gateway has
 * no JWT authorizer for WebSocket APIs, and Sluice deploys none): they long-poll.
 */
export function connectionPrincipalOf(event: ConnectionIdentity, config: AuthConfig): string {
  let principal: string;
  switch (config.mode) {
    case 'none':
      return ANONYMOUS;
    case 'iam': {
      const arn = event.requestContext?.identity?.userArn;
      if (!arn) throw new UnauthenticatedError('The connection carries no IAM identity; connect with a SigV4-signed request');
      principal = normaliseIamArn(arn);
      break;
    }
    case 'jwt':
      throw new UnauthenticatedError('WebSocket waits authenticate with IAM only; with JWT, wait with the HTTP long-poll (waitMs)');
    case 'token': {
      const resolved = event.requestContext?.authorizer?.principalId;
      if (typeof resolved !== 'string' || resolved === '') throw new UnauthenticatedError('Missing or unknown bearer token; connect with ?token=<token> or "authorization: Bearer <token>"');
      principal = resolved;
      break;
    }
  }
  if (!z.safeParse(principalSchema, principal).success) {
    throw new UnauthenticatedError(`The caller's principal is not usable: at most ${IDENTIFIER_LIMITS.principalMaxBytes} UTF-8 bytes, without control characters`);
  }
  return principal;
}

/** The principal a static bearer token belongs to (`token` mode), or undefined for an unknown token. */
export function bearerTokenPrincipal(token: string, config: AuthConfig): string | undefined {
  return config.tokens.get(token.trim());
}
