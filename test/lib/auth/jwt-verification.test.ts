import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { bearerToken, discoverJwksUri, JwtAuthenticator, jwtSettingsFromEnv } from '../../../lib/auth/jwt-verification';
import { SluiceError } from '../../../lib/core/errors';

/**
 * The live-read function URL's own JWT check (jwt stacks), against tokens signed here
 * with a key whose JWKS the authenticator is given: what API Gateway's JWT authorizer
 * accepts (signature, iss, exp, aud or client_id) is accepted, and nothing else.
 */
const ISSUER = 'https://issuer.example.com';
const AUDIENCE = ['sluice-api'];

function keyPair(kid: string): { privateKey: KeyObject; jwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

const trusted = keyPair('k1');
const stranger = keyPair('k1');
const now = () => Math.floor(Date.now() / 1000);

function token(claims: Record<string, unknown>, key = trusted.privateKey, kid = 'k1'): string {
  const encode = (part: unknown) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode(claims)}`;
  return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), key).toString('base64url')}`;
}

const valid = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, sub: 'user-1', aud: 'sluice-api', iat: now() - 10, exp: now() + 300, ...extra });
const authenticator = () => new JwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE, jwksUri: `${ISSUER}/jwks.json` }, { jwks: { keys: [trusted.jwk] } as never });

async function refusal(authorization: string | undefined): Promise<string> {
  try {
    await authenticator().claimsOf(authorization);
  } catch (error) {
    assert.ok(error instanceof SluiceError, String(error));
    assert.equal(error.code, 'UNAUTHENTICATED');
    assert.equal(error.status, 401);
    return error.message;
  }
  assert.fail('the token was accepted');
}

describe('JwtAuthenticator', () => {
  it('accepts a token the HTTP API would accept and answers its claims', async () => {
    const claims = await authenticator().claimsOf(`Bearer ${token(valid())}`);
    assert.equal(claims.sub, 'user-1');
    // API Gateway also takes the bare token.
    assert.equal((await authenticator().claimsOf(token(valid()))).sub, 'user-1');
    // An aud list naming one of the audiences; a Cognito access token's client_id.
    assert.equal((await authenticator().claimsOf(`Bearer ${token(valid({ aud: ['other', 'sluice-api'] }))}`)).sub, 'user-1');
    assert.equal((await authenticator().claimsOf(`Bearer ${token(valid({ aud: undefined, client_id: 'sluice-api' }))}`)).sub, 'user-1');
  });

  it('refuses a missing, malformed, foreign-signed, expired, not-yet-valid, other-issuer or other-audience token with 401', async () => {
    assert.match(await refusal(undefined), /Missing bearer token/);
    assert.match(await refusal('Basic dXNlcjpwYXNz'), /Missing bearer token/);
    assert.match(await refusal('Bearer not-a-jwt'), /not valid/);
    assert.match(await refusal(`Bearer ${token(valid(), stranger.privateKey)}`), /not valid/);
    assert.match(await refusal(`Bearer ${token(valid({ exp: now() - 60 }))}`), /expired/i);
    assert.match(await refusal(`Bearer ${token(valid({ exp: undefined }))}`), /no exp/);
    assert.match(await refusal(`Bearer ${token(valid({ nbf: now() + 600 }))}`), /not valid/);
    assert.match(await refusal(`Bearer ${token(valid({ iss: 'https://evil.example.com' }))}`), /not valid/);
    assert.match(await refusal(`Bearer ${token(valid({ aud: 'another-api' }))}`), /audiences/);
    assert.match(await refusal(`Bearer ${token(valid({ aud: undefined, client_id: 'another-api' }))}`), /audiences/);
    assert.match(await refusal(`Bearer ${token(valid({ aud: 'another-api', client_id: 'sluice-api' }))}`), /audiences/);
  });
});

describe('JWT settings', () => {
  it('reads the issuer and audiences the stack sets, and none without an issuer', () => {
    assert.deepEqual(jwtSettingsFromEnv({ SLUICE_JWT_ISSUER: ISSUER, SLUICE_JWT_AUDIENCE: 'a, b' }), { issuer: ISSUER, audience: ['a', 'b'] });
    assert.equal(jwtSettingsFromEnv({}), undefined);
    assert.throws(() => jwtSettingsFromEnv({ SLUICE_JWT_ISSUER: ISSUER }), /SLUICE_JWT_AUDIENCE/);
  });

  it('finds the JWKS through the issuer\'s OpenID discovery document, as API Gateway does', async () => {
    const asked: string[] = [];
    const uri = await discoverJwksUri(`${ISSUER}/`, async (url) => {
      asked.push(url);
      return { issuer: ISSUER, jwks_uri: `${ISSUER}/keys` };
    });
    assert.deepEqual(asked, [`${ISSUER}/.well-known/openid-configuration`]);
    assert.equal(uri, `${ISSUER}/keys`);
    await assert.rejects(discoverJwksUri(ISSUER, async () => ({ jwks_uri: 'http://plain.example.com/keys' })), /no https jwks_uri/);
  });

  it('takes the token from Authorization with or without Bearer', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer  abc '), 'abc');
    assert.equal(bearerToken('abc'), 'abc');
    assert.equal(bearerToken('Basic a b'), undefined);
    assert.equal(bearerToken(''), undefined);
  });
});
