import { authConfigFromEnv, type AuthConfig } from '../../lib/auth/auth-config';
import type { Caller } from '../../lib/auth/access-control';
import { connectionPrincipalOf } from '../../lib/auth/principal';

/**
 * An API Gateway WebSocket event as Lambda receives it (the local platform builds the
 * same shape): the connection, the route, and the identity API Gateway authenticated at
 * `$connect` (IAM), or, locally, the principal of the connect's bearer token.
 */
export interface WebSocketEvent {
  requestContext: {
    routeKey: string;
    eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
    connectionId: string;
    requestId?: string;
    domainName?: string;
    stage?: string;
    /** When API Gateway took the request (for `$disconnect`: when the connection closed), epoch ms. */
    requestTimeEpoch?: number;
    identity?: { userArn?: string | null; sourceIp?: string | null };
    authorizer?: { principalId?: unknown } | null;
  };
  headers?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
}

/** What a WebSocket route's integration answers; a non-2xx answer to `$connect` refuses the connection. */
export interface WebSocketResult {
  statusCode: number;
  body?: string;
}

let config: AuthConfig | undefined;

/** The authenticated caller of a connection; the auth settings are read once per container. */
export function connectionCallerOf(event: WebSocketEvent): Caller {
  config ??= authConfigFromEnv();
  return { principal: connectionPrincipalOf(event, config), config };
}
