import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RequestSigner } from './sluice-http-client';

export interface IamSignerOptions {
  /** The API's region; default AWS_REGION, then AWS_DEFAULT_REGION. */
  region?: string;
  /** Credentials; default the standard AWS chain (environment, profile, SSO, container, instance). */
  credentials?: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
}

/**
 * The standard chain (environment, profile, SSO, container, instance), loaded only when
 * first needed: it is Node-only, and a runtime that passes its own credentials never loads it.
 */
function nodeCredentialChain(): NonNullable<IamSignerOptions['credentials']> {
  let provider: Promise<() => Promise<AwsCredentials>> | undefined;
  return async () => {
    provider ??= import('@aws-sdk/credential-provider-node').then((m) => m.defaultProvider());
    return (await provider)();
  };
}

type AwsCredentials = Awaited<ReturnType<Extract<NonNullable<IamSignerOptions['credentials']>, () => unknown>>>;

/**
 * Signs requests with SigV4 for API Gateway's IAM authorizer (service `execute-api`),
 * with credentials from the standard AWS chain unless given.
 */
export function iamSigner(options: IamSignerOptions = {}): RequestSigner {
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('IAM signing needs a region: pass one, or set AWS_REGION');
  const signer = new SignatureV4({ service: 'execute-api', region, credentials: options.credentials ?? nodeCredentialChain(), sha256: Sha256 });
  const sign: RequestSigner = async ({ method, url, headers, body }) => {
    const target = new URL(url);
    const query: Record<string, string> = {};
    for (const [key, value] of target.searchParams) query[key] = value;
    const signed = await signer.sign({
      method,
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port ? Number(target.port) : undefined,
      path: target.pathname,
      query,
      headers: { ...headers, host: target.host },
      body,
    });
    return signed.headers as Record<string, string>;
  };
  // The watch connection (a WebSocket) cannot carry headers: API Gateway takes the signature from the query string.
  sign.presignUrl = async (url, expiresInSeconds) => {
    const target = new URL(url);
    const query: Record<string, string> = {};
    for (const [key, value] of target.searchParams) query[key] = value;
    const presigned = await signer.presign(
      { method: 'GET', protocol: target.protocol, hostname: target.hostname, port: target.port ? Number(target.port) : undefined, path: target.pathname, query, headers: { host: target.host } },
      { expiresIn: expiresInSeconds },
    );
    const pairs = Object.entries(presigned.query ?? {}).flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${rfc3986(key)}=${rfc3986(String(v))}`));
    return `${target.protocol}//${target.host}${target.pathname}?${pairs.join('&')}`;
  };
  return sign;
}

/** SigV4's own percent-encoding (RFC 3986: only A-Z a-z 0-9 - _ . ~ stay), which URLSearchParams does not do (`+` for a space). */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
