import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authConfigFromEnv } from '../../../lib/auth/auth-config';
import { UnauthenticatedError } from '../../../lib/auth/auth-errors';
import { bearerTokenPrincipal, connectionPrincipalOf, normaliseIamArn, principalOf } from '../../../lib/auth/principal';

describe('principalOf', () => {
  it('names an IAM caller by its ARN, and an assumed-role session by its role', () => {
    const config = authConfigFromEnv({ SLUICE_AUTH_MODE: 'iam' });
    assert.equal(principalOf({ requestContext: { authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/alice' } } } }, config), 'arn:aws:iam::123456789012:user/alice');
    assert.equal(normaliseIamArn('arn:aws:sts::123456789012:assumed-role/Orders/i-0abc'), 'arn:aws:iam::123456789012:role/Orders');
  });

  it('refuses an unsigned request in IAM mode with 401', () => {
    assert.throws(() => principalOf({}, authConfigFromEnv({ SLUICE_AUTH_MODE: 'iam' })), (e: unknown) => e instanceof UnauthenticatedError && e.status === 401);
  });

  it('names a JWT caller by its sub', () => {
    assert.equal(principalOf({ requestContext: { authorizer: { jwt: { claims: { sub: 'svc-orders' } } } } }, authConfigFromEnv({ SLUICE_AUTH_MODE: 'jwt' })), 'svc-orders');
  });

  it('maps static bearer tokens to their principals and refuses unknown ones', () => {
    const config = authConfigFromEnv({ SLUICE_AUTH_MODE: 'token', SLUICE_AUTH_TOKENS: 'alice=t-a,bob=t-b' });
    assert.equal(principalOf({ headers: { authorization: 'Bearer t-b' } }, config), 'bob');
    assert.throws(() => principalOf({ headers: { authorization: 'Bearer nope' } }, config), UnauthenticatedError);
    assert.throws(() => principalOf({ headers: {} }, config), UnauthenticatedError);
  });

  it('treats everyone as anonymous with auth off, and enforces no ACLs then', () => {
    const config = authConfigFromEnv({});
    assert.equal(principalOf({}, config), 'anonymous');
    assert.equal(config.aclsEnforced, false);
  });

  it('refuses token mode without tokens', () => {
    assert.throws(() => authConfigFromEnv({ SLUICE_AUTH_MODE: 'token' }), /SLUICE_AUTH_TOKEN/);
  });
});

describe('principal limits', () => {
  const jwt = { mode: 'jwt' as const, tokens: new Map(), aclsEnforced: true, admins: new Set<string>(), defaultQuota: { produceBytesPerSecond: null, fetchBytesPerSecond: null } };
  const withSub = (sub: string) => ({ requestContext: { authorizer: { jwt: { claims: { sub } } } } });

  it('refuses a JWT subject over 1,024 UTF-8 bytes with 401, rather than a 500 when it keys a quota item', () => {
    assert.throws(() => principalOf(withSub('é'.repeat(513)), jwt), (error: Error & { code?: string; status?: number }) => error.code === 'UNAUTHENTICATED' && error.status === 401);
  });

  it('refuses a JWT subject with control characters', () => {
    assert.throws(() => principalOf(withSub('user\u0000x'), jwt), (error: Error & { code?: string }) => error.code === 'UNAUTHENTICATED');
  });

  it('accepts a subject of exactly 1,024 bytes', () => {
    assert.equal(principalOf(withSub('s'.repeat(1024)), jwt), 's'.repeat(1024));
  });
});

describe('connectionPrincipalOf (WebSocket events)', () => {
  const unauthenticated = (e: unknown) => e instanceof UnauthenticatedError && e.status === 401;

  it('names an IAM connection by the identity API Gateway passes on every event, an assumed role by its role', () => {
    const config = authConfigFromEnv({ SLUICE_AUTH_MODE: 'iam' });
    const event = { requestContext: { identity: { userArn: 'arn:aws:sts::123456789012:assumed-role/Consumers/i-0abc' } } };
    assert.equal(connectionPrincipalOf(event, config), 'arn:aws:iam::123456789012:role/Consumers');
  });

  it('refuses an IAM-mode event without an identity, and does not read a claimed authorizer principal', () => {
    const config = authConfigFromEnv({ SLUICE_AUTH_MODE: 'iam' });
    assert.throws(() => connectionPrincipalOf({ requestContext: { identity: { userArn: null } } }, config), unauthenticated);
    assert.throws(() => connectionPrincipalOf({ requestContext: { authorizer: { principalId: 'admin' } } }, config), unauthenticated);
  });

  it('refuses every connection in JWT mode: JWT callers long-poll', () => {
    assert.throws(() => connectionPrincipalOf({ requestContext: { authorizer: { principalId: 'svc' } } }, authConfigFromEnv({ SLUICE_AUTH_MODE: 'jwt' })), unauthenticated);
  });

  it('takes the principal the local platform resolved from the connect token, in token mode', () => {
    const config = authConfigFromEnv({ SLUICE_AUTH_MODE: 'token', SLUICE_AUTH_TOKENS: 'alice=t-a' });
    assert.equal(connectionPrincipalOf({ requestContext: { authorizer: { principalId: 'alice' } } }, config), 'alice');
    assert.throws(() => connectionPrincipalOf({ requestContext: {} }, config), unauthenticated);
    assert.equal(bearerTokenPrincipal(' t-a ', config), 'alice');
    assert.equal(bearerTokenPrincipal('t-x', config), undefined);
  });

  it('is anonymous with authentication off', () => {
    assert.equal(connectionPrincipalOf({}, authConfigFromEnv({ SLUICE_AUTH_MODE: 'none' })), 'anonymous');
  });
});
