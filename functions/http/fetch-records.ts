import middy from '@middy/core';
import { requireAccess, type Caller } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { chargeQuota } from '../../lib/auth/quotas';
import type { SluiceContext } from '../../lib/core/context';
import { StreamingNotSupportedError } from '../../lib/core/errors';
import { parseInput } from '../../lib/core/validate';
import { recordSize } from '../../lib/records/log-record';
import { recordsJson } from '../../lib/records/record-encoding';
import { fetchQuerySchema, lastEventIdSchema, type Encoding } from '../../lib/protocol/requests';
import { LIVE_DEFAULTS, LIVE_STREAM_URL_ENV_VAR, sseComment, sseEvent, sseRetry, wantsEventStream, type LiveEnd } from '../../lib/protocol/live';
import { fetchBatches, fetchRecords, type FetchBatchesResult, type FetchResult } from '../../lib/log/fetch-records';
import { RECORD_BATCHES_HEADERS, RECORD_BATCHES_TYPE, wantsRecordBatches } from '../../lib/protocol/record-batches';
import { liveSettingsFromEnv, openLiveRead } from '../../lib/log/live-records';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, jsonWith, knownError, pathParam, query, type HttpEvent, type HttpResult, type StreamingHttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

interface FetchRequest {
  caller: Caller;
  ctx: SluiceContext;
  topic: string;
  partition: number;
  encoding: Encoding;
  limits: { offset?: number; waitMs: number; maxRecords: number; maxBytes: number };
  /** A live read (server-sent events): `live=sse` or `Accept: text/event-stream`. */
  live: boolean;
  /** Answer the stored batches, not JSON: `Accept: application/vnd.sluice.record-batches` (lib/protocol/record-batches.ts). */
  batches: boolean;
}

/**
 * Path, query, and for a live read the `Last-Event-ID` header (it takes the place of
 * `offset`: the stream resumes right after the last event received), then READ on the
 * topic: the order every route keeps.
 */
async function readRequest(event: HttpEvent): Promise<FetchRequest> {
  const caller = callerOf(event);
  const topic = pathParam(event, 'topic');
  const partition = pathParam(event, 'partition');
  const { encoding, live: liveParam, ...limits } = query(event, fetchQuerySchema);
  const live = wantsEventStream(event.headers?.accept, liveParam);
  const lastEventId = event.headers?.['last-event-id'];
  const resumeAt = live && lastEventId !== undefined ? parseInput(lastEventIdSchema, lastEventId, 'Last-Event-ID') : undefined;
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic, operation: 'READ' });
  const batches = !live && wantsRecordBatches(event.headers?.accept);
  return { caller, ctx, topic, partition, encoding, live, batches, limits: { ...limits, offset: resumeAt ?? limits.offset } };
}

/** The answer's body: `{ ...result, encoding }` with the records rendered by hand (recordsJson). */
function answerBody(result: FetchResult, encoding: Encoding): string {
  return jsonWith(200, { ...result, encoding }, 'records', recordsJson(result.records, encoding)).body!;
}

const bytesOf = (result: FetchResult) => result.records.reduce((sum, r) => sum + recordSize(r), 0);

async function main(event: HttpEvent): Promise<HttpResult> {
  const request = await readRequest(event);
  // API Gateway's HTTP API buffers a function's whole answer, so a stream would never reach
  // the caller: refuse at once rather than hold the request, naming the same request at the
  // live-read function URL where the stack has one (docs/design.md, "Live reads (SSE)").
  if (request.live) throw new StreamingNotSupportedError(liveReadUrl(event));
  return fetchAnswer(request);
}

/** This request's path and query at the live-read URL (SLUICE_STREAM_URL), or undefined without one. */
function liveReadUrl(event: HttpEvent): string | undefined {
  const base = process.env[LIVE_STREAM_URL_ENV_VAR];
  if (!base) return undefined;
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  return `${base.replace(/\/+$/, '')}${event.rawPath}${query}`;
}

async function fetchAnswer({ caller, ctx, topic, partition, encoding, limits, batches }: FetchRequest): Promise<HttpResult> {
  await chargeQuota(ctx, caller, 'fetch', 0);
  if (batches) {
    const result = await fetchBatches(ctx, { topic, partition, ...limits });
    await chargeQuota(ctx, caller, 'fetch', result.recordBytes).catch(() => undefined);
    return batchesAnswer(result);
  }
  const result = await fetchRecords(ctx, { topic, partition, ...limits });
  // Charged after the read, when its size is known; an overdrawn window refuses the next fetch.
  await chargeQuota(ctx, caller, 'fetch', bytesOf(result)).catch(() => undefined);
  return jsonWith(200, { ...result, encoding }, 'records', recordsJson(result.records, encoding));
}

/** The batches one after another, base64 for API Gateway (which sends the bytes), and the rest of the answer in headers. */
function batchesAnswer(result: FetchBatchesResult): HttpResult {
  const headers: Record<string, string> = {
    'content-type': RECORD_BATCHES_TYPE,
    [RECORD_BATCHES_HEADERS.nextOffset]: String(result.nextOffset),
    [RECORD_BATCHES_HEADERS.highWatermark]: String(result.highWatermark),
    [RECORD_BATCHES_HEADERS.logStartOffset]: String(result.logStartOffset),
  };
  if (result.closed) headers[RECORD_BATCHES_HEADERS.closed] = 'true';
  const body = result.batches.length === 1 ? Buffer.from(result.batches[0]!.bytes.buffer, result.batches[0]!.bytes.byteOffset, result.batches[0]!.bytes.byteLength) : Buffer.concat(result.batches.map((b) => b.bytes));
  return { statusCode: 200, headers, body: body.toString('base64'), isBase64Encoded: true };
}

export const handler = middy(main).use(observability()).use(httpErrors());

/**
 * A live read as server-sent events (lib/protocol/live.ts), for a platform that can stream
 * a response: the local platform calls this for a fetch that asks for one
 * (infra/local/http-server.ts), and deployed the live-read function URL
 * (functions/http/stream-reads.ts). Parsing, authorization and the
 * quota's check are the ordinary fetch's, and so is the first fetch, made before the
 * stream opens: a missing topic, an offset out of range or a refused quota is an ordinary
 * error answer. Each event's records are charged to the quota as a fetch's are; a window
 * they overdraw ends the stream with a `failure` event (QUOTA_EXCEEDED, `retryAfterSeconds`).
 */
async function liveMain(event: HttpEvent): Promise<HttpResult | StreamingHttpResult> {
  const request = await readRequest(event);
  if (!request.live) return fetchAnswer(request);
  const { caller, ctx, topic, partition, encoding, limits } = request;
  await chargeQuota(ctx, caller, 'fetch', 0);
  // waitMs has no meaning here: the stream waits at the tail itself.
  const { waitMs: _waitMs, ...fetchLimits } = limits;
  const read = await openLiveRead(ctx, { topic, partition, ...fetchLimits, ...liveSettingsFromEnv() });
  // Rendered now, so that records `encoding=utf8` cannot show are a 422 like any fetch's.
  const firstBody = answerBody(read.first, encoding);
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
    stream: async (write, signal) => {
      await write(sseRetry(LIVE_DEFAULTS.retryMs));
      try {
        for await (const item of read.events(signal)) {
          if (item.type === 'heartbeat') {
            await write(sseComment('keep-alive'));
          } else if (item.type === 'end') {
            const end: LiveEnd = { reason: 'max-duration', nextOffset: item.nextOffset };
            await write(sseEvent({ id: item.nextOffset, event: 'end', data: JSON.stringify(end) }));
          } else {
            const { result } = item;
            await write(sseEvent({ id: result.nextOffset, event: 'records', data: result === read.first ? firstBody : answerBody(result, encoding) }));
            const bytes = bytesOf(result);
            if (bytes > 0) await chargeQuota(ctx, caller, 'fetch', bytes);
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        const known = knownError(error as Error);
        await write(sseEvent({ event: 'failure', data: JSON.stringify({ error: known.toJSON() }) }));
      }
    },
  };
}

export const streamHandler = middy<HttpEvent, HttpResult | StreamingHttpResult>(liveMain).use(observability()).use(httpErrors());
