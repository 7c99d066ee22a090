import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RequestSigner } from './sluice-http-client';

export interface IamSignerOptions {
  /** The API's region; default AWS_REGION, then AWS_DEFAULT_REGION. */
  region?: string;
  /** Credentials; default the standard AWS chain (environment, profile, SSO, container, instance). */
  credentials?: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
}

/**
 * Signs requests with SigV4 for API Gateway's IAM authorizer (service `execute-api`),
 * with credentials from the standard AWS chain unless given.
 */
export function iamSigner(options: IamSignerOptions = {}): RequestSigner {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('IAM signing needs a region: pass one, or set AWS_REGION');
  const signer = new SignatureV4({ service: 'execute-api', region, credentials: options.credentials ?? defaultProvider(), sha256: Sha256 });
  return async ({ method, url, headers, body }) => {
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
}
