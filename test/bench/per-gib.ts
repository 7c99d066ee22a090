import { callProfileFromCounts, meteredApiRequests, usdPerGib, type CostBreakdown } from '../../lib/cost/cost-model';
import { GIB } from '../../lib/cost/prices';
import { totalCounts, type RequestSnapshot } from '../../lib/cost/request-accounting';

/** What a run of produce calls moved and made, as counted by the benchmark. */
export interface CallTotals {
  /** HTTP produce calls: one API Gateway request (per started 512 KB) and one Lambda invocation each. */
  calls: number;
  /** API Gateway metered requests over those calls, each call's own body counted by `meteredApiRequests`. */
  meteredApiRequests: number;
  records: number;
  /** Record payload bytes (values): what "per GiB" divides by. */
  payloadBytes: number;
  /** Request body bytes over all calls. */
  httpRequestBytes: number;
  /** Mean call latency, priced as Lambda duration (as the cost report does). */
  lambdaMs: number;
  lambdaMemoryMiB: number;
  /** The S3 and DynamoDB requests the handlers made meanwhile (in-process runs only). */
  requests?: RequestSnapshot;
}

/** Requests and modeled dollars per GiB of record payload. */
export interface PerGib {
  httpCalls: number;
  /** Metered API Gateway requests (HTTP API: one per started 512 KB of request body). */
  apiGatewayRequests: number;
  lambdaInvocations: number;
  s3Requests?: number;
  dynamoRequests?: number;
  /** lib/cost/cost-model.ts `usdPerGib` of the calls' profile, by line item; needs the counted requests. */
  usd?: CostBreakdown;
}

/** The API Gateway requests calls with these request bodies are metered as. */
export function meteredRequestsOf(bodyBytes: readonly number[]): number {
  return bodyBytes.reduce((sum, bytes) => sum + meteredApiRequests(bytes), 0);
}

/**
 * Per-GiB figures of a run of produce calls: requests per GiB by service, and the cost
 * model's USD per GiB of the calls' mean profile (requests counted per call, the mean
 * request body for API Gateway's metering, the mean call latency as Lambda duration).
 */
export function perGibOf(run: CallTotals): PerGib {
  if (run.calls <= 0 || run.payloadBytes <= 0) return { httpCalls: 0, apiGatewayRequests: 0, lambdaInvocations: 0 };
  const gib = run.payloadBytes / GIB;
  const figures: PerGib = {
    httpCalls: run.calls / gib,
    apiGatewayRequests: run.meteredApiRequests / gib,
    lambdaInvocations: run.calls / gib,
  };
  if (run.requests) {
    figures.s3Requests = totalCounts(run.requests, 'S3').requests / gib;
    figures.dynamoRequests = totalCounts(run.requests, 'DynamoDB').requests / gib;
    const profile = callProfileFromCounts(run.requests, run.calls, {
      records: run.records / run.calls,
      payloadBytes: run.payloadBytes / run.calls,
      httpRequestBytes: run.httpRequestBytes / run.calls,
      lambdaMs: run.lambdaMs,
      lambdaMemoryMiB: run.lambdaMemoryMiB,
    });
    figures.usd = usdPerGib(profile);
  }
  return figures;
}
