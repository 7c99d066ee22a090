import { authConfigFromEnv, type AuthConfig } from '../../lib/auth/auth-config';
import type { Caller } from '../../lib/auth/access-control';
import { principalOf, type RequestIdentity } from '../../lib/auth/principal';
import type { HttpEvent } from './http';

let config: AuthConfig | undefined;

/** The authenticated caller of a request (401 when it has none); the auth settings are read once per container. */
export function callerOf(event: HttpEvent): Caller {
  config ??= authConfigFromEnv();
  // API Gateway adds `authorizer` to the request context when a route has an authorizer.
  return { principal: principalOf(event as unknown as RequestIdentity, config), config };
}
