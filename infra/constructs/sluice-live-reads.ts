import * as iam from 'aws-cdk-lib/aws-iam';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, CORS_MAX_AGE_SECONDS } from '../../lib/protocol/cors';
import { Construct } from 'constructs';
import { JWT_AUDIENCE_ENV_VAR, JWT_ISSUER_ENV_VAR } from '../../lib/auth/jwt-verification';

/**
 * How callers of the live-read URL authenticate: as on the stack's HTTP API.
 *
 * - `iam`: the URL's auth type is AWS_IAM, so Lambda verifies the SigV4 signature before
 *   the function runs and refuses unsigned or unpermitted requests (403) itself; a caller
 *   needs `lambda:InvokeFunctionUrl` and `lambda:InvokeFunction` on the function
 *   (`grantInvokeUrl`), as it needs `execute-api:Invoke` for the HTTP API.
 * - `jwt`: a function URL has no JWT authorizer, so its auth type is NONE and the function
 *   verifies the bearer token itself against the same issuer and audiences as the HTTP
 *   API's authorizer (lib/auth/jwt-verification.ts) before it routes or reads anything.
 *   Anyone can reach the function, so a junk request is a short invocation (a 401), billed.
 */
export type LiveReadsAuth = { readonly type: 'iam' } | { readonly type: 'jwt'; readonly issuer: string; readonly audience: readonly string[] };

export interface SluiceLiveReadsProps {
  /** The response-streaming function (`stream-reads` of infra/platform-spec.ts). */
  readonly function: lambda.Function;
  readonly auth: LiveReadsAuth;
  /**
   * Origins whose pages may read from the URL (lib/protocol/cors.ts's rules, as the HTTP
   * API's `corsOrigins`): the function URL's own CORS, since it is outside the HTTP API.
   * @default - none: browsers on other origins cannot read
   */
  readonly corsOrigins?: readonly string[];
}

/**
 * The deployed path of live reads (docs/design.md, "Live reads (SSE)"): a Lambda function
 * URL with response streaming (InvokeMode RESPONSE_STREAM) in front of the `stream-reads`
 * function, because API Gateway's HTTP API buffers a function's whole answer. Serves
 * `GET /v1/topics/{topic}/partitions/{p}/records` with `live=sse` (or Accept:
 * text/event-stream), and the ordinary fetch without it, under the URL's own host.
 */
export class SluiceLiveReads extends Construct {
  readonly function: lambda.IFunction;
  readonly functionUrl: lambda.FunctionUrl;
  /** The URL's base, ending in `/`: `https://<id>.lambda-url.<region>.on.aws/`. */
  readonly url: string;
  readonly authType: lambda.FunctionUrlAuthType;

  constructor(scope: Construct, id: string, props: SluiceLiveReadsProps) {
    super(scope, id);
    this.function = props.function;
    const { auth } = props;
    if (auth.type === 'jwt') {
      if (!auth.issuer || auth.audience.length === 0) throw new Error('SluiceLiveReads: jwt auth needs an issuer and at least one audience, which the function checks every token against');
      props.function.addEnvironment(JWT_ISSUER_ENV_VAR, auth.issuer);
      props.function.addEnvironment(JWT_AUDIENCE_ENV_VAR, auth.audience.join(','));
    }
    this.authType = auth.type === 'iam' ? lambda.FunctionUrlAuthType.AWS_IAM : lambda.FunctionUrlAuthType.NONE;
    const origins = props.corsOrigins ?? [];
    this.functionUrl = props.function.addFunctionUrl({
      authType: this.authType,
      invokeMode: lambda.InvokeMode.RESPONSE_STREAM,
      // Lambda answers the preflight itself. The URL serves reads only; no credentials mode (bearer tokens, not cookies).
      ...(origins.length > 0
        ? {
            cors: {
              allowedOrigins: [...origins],
              allowedMethods: [lambda.HttpMethod.GET, lambda.HttpMethod.HEAD],
              allowedHeaders: [...CORS_ALLOWED_HEADERS],
              exposedHeaders: [...CORS_EXPOSED_HEADERS],
              maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
            },
          }
        : {}),
    });
    this.url = this.functionUrl.url;
  }

  /**
   * Lets `grantee` call the URL with SigV4 (IAM auth): `lambda:InvokeFunctionUrl` and, for
   * function URLs, `lambda:InvokeFunction` on this function. With JWT auth, the token is the
   * credential and there is nothing to grant.
   */
  grantInvokeUrl(grantee: iam.IGrantable): iam.Grant {
    if (this.authType !== lambda.FunctionUrlAuthType.AWS_IAM) throw new Error('SluiceLiveReads.grantInvokeUrl: the URL authenticates bearer tokens (jwt), not IAM principals');
    return this.function.grantInvokeUrl(grantee);
  }
}
