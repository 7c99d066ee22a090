import { Readable } from 'node:stream';
import middy from '@middy/core';
import { executionModeStreamifyResponse } from '@middy/core/StreamifyResponse';
import type { Context } from 'aws-lambda';
import { authConfigFromEnv, type AuthConfig } from '../../lib/auth/auth-config';
import { JwtAuthenticator, jwtSettingsFromEnv, JWT_ISSUER_ENV_VAR } from '../../lib/auth/jwt-verification';
import type { RequestIdentity } from '../../lib/auth/principal';
import { ROUTES } from '../../lib/protocol/routes';
import { routeFunctionUrlEvent, type StreamRoute } from '../middleware/function-url';
import { httpErrors, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';
import { ensureStreamingRuntime, streamingBody } from '../middleware/response-streaming';
import { streamHandler as fetchRecords } from './fetch-records';
import { streamHandler as durableStreams } from './durable-streams';
import { DS_ROUTE } from '../../lib/protocol/durable-streams';

/**
 * Live reads deployed: the function behind the stack's response-streaming function URL
 * (InvokeMode RESPONSE_STREAM; infra/constructs/sluice-live-reads.ts). API Gateway's HTTP
 * API buffers whole answers, so server-sent events cannot go through it; this function
 * takes the same request at its own URL and streams the answer as it is produced.
 *
 * A request is authenticated (below), routed by STREAM_ROUTES to a handler module's
 * `streamHandler` (the one the local HTTP server calls), and its answer written out by
 * middy's streaming mode: an ordinary JSON answer (a fetch without `live=sse`, any error)
 * as one body, a `StreamingHttpResult` chunk by chunk until its producer ends. Lambda bills
 * the whole time the stream is open; the live read closes itself after
 * SLUICE_LIVE_MAX_DURATION_MS (60 s), well inside the function's timeout.
 */

/**
 * Every path the function URL serves, with the handler of its module. Add a module by
 * adding its entry (the module exports `streamHandler`, as functions/http/fetch-records.ts
 * does); the function's table and bucket grants (infra/platform-spec.ts, `stream-reads`)
 * must then cover what that handler touches.
 */
export const STREAM_ROUTES: readonly StreamRoute[] = [
  { path: ROUTES['fetch-records'].path, methods: ['GET'], handler: fetchRecords },
  // Durable Streams reads (SSE); writes stay on the HTTP API.
  { path: DS_ROUTE.path, methods: ['GET'], handler: durableStreams },
];

/** What middy's streaming mode writes: the status and headers, then the body, a string or a stream. */
type StreamAnswer = HttpResult | { statusCode: number; headers: Record<string, string>; body: Readable };

let config: AuthConfig | undefined;
let jwt: JwtAuthenticator | undefined;

/**
 * With `iam`, the function URL's AWS_IAM auth type has verified the SigV4 signature
 * before the function runs, and the caller is in `requestContext.authorizer.iam`, where
 * API Gateway puts it. With `jwt`, no authorizer stands in front of the URL (auth type
 * NONE: a function URL has no JWT authorizer), so the token is verified here against the
 * issuer and audiences of the HTTP API's authorizer, and its claims are put where API
 * Gateway puts them. Either way the principal then comes from the same code (callerOf).
 */
async function authenticated(event: HttpEvent): Promise<HttpEvent> {
  config ??= authConfigFromEnv();
  if (config.mode !== 'jwt') return event;
  if (!jwt) {
    const settings = jwtSettingsFromEnv();
    if (!settings) throw new Error(`SLUICE_AUTH_MODE=jwt needs ${JWT_ISSUER_ENV_VAR} on the live-read function`);
    jwt = new JwtAuthenticator(settings);
  }
  const claims = await jwt.claimsOf(event.headers?.authorization);
  const requestContext: HttpEvent['requestContext'] & RequestIdentity['requestContext'] = { ...event.requestContext, authorizer: { jwt: { claims } } };
  return { ...event, requestContext };
}

async function main(event: HttpEvent, context: Context): Promise<StreamAnswer> {
  // Before routing, as the HTTP API authorizes before it matches: callers without credentials learn nothing more.
  const routed = routeFunctionUrlEvent(STREAM_ROUTES, await authenticated(event));
  const answer = await routed.route.handler(routed.event, context);
  if ('stream' in answer) return { statusCode: answer.statusCode, headers: answer.headers, body: streamingBody(answer) };
  // A function URL's streamed answer has no isBase64Encoded: send the bytes themselves.
  if (answer.isBase64Encoded && answer.body !== undefined) {
    const { isBase64Encoded: _encoded, body, ...rest } = answer;
    return { statusCode: answer.statusCode ?? 200, headers: {}, ...rest, body: Readable.from([Buffer.from(body, 'base64')]) } as StreamAnswer;
  }
  return answer;
}

// middy's streaming mode builds the handler with awslambda.streamifyResponse, at import.
ensureStreamingRuntime();

export const handler = middy(main, { executionMode: executionModeStreamifyResponse })
  .use(observability())
  .use(httpErrors() as middy.MiddlewareObj<HttpEvent, StreamAnswer>);
