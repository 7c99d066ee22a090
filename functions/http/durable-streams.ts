import middy from '@middy/core';
import { requireAccess, type Caller } from '../../lib/auth/access-control';
import type { Operation } from '../../lib/auth/acl';
import { chargeQuota } from '../../lib/auth/quotas';
import type { SluiceContext } from '../../lib/core/context';
import { MethodNotAllowedError, PayloadTooLargeError, SluiceError, ValidationError } from '../../lib/core/errors';
import { recordSize } from '../../lib/records/log-record';
import {
  DS_BASE_PATH,
  DS_DEFAULT_CONTENT_TYPE,
  DS_HEADERS as H,
  DS_LONG_POLL_MS,
  DS_SSE_MAX_DURATION_MS,
  forkSourcePath,
  formatOffset,
  isClosedHeader,
  isJsonContentType,
  isTextualContentType,
  isValidContentType,
  mediaTypeOf,
  nextCursor,
  parseExpiresAt,
  parseForkOffset,
  parseForkSubOffset,
  parseOffset,
  parseProducerNumber,
  parseTtlSeconds,
  sseEventText,
  streamTopicName,
  type ReadOffset,
  type SseControl,
} from '../../lib/protocol/durable-streams';
import { LIVE_DEFAULTS, LIVE_STREAM_URL_ENV_VAR } from '../../lib/protocol/live';
import { LIMITS } from '../../lib/protocol/limits';
import { appendToStream, streamTail } from '../../lib/durable-streams/append-stream';
import { bodyOfRecords, recordsOfBody } from '../../lib/durable-streams/stream-body';
import { readStream, type StreamRead } from '../../lib/durable-streams/read-stream';
import { forkStream, type ForkRequest } from '../../lib/durable-streams/fork-stream';
import {
  StreamExistsError,
  StreamGoneError,
  StreamNotFoundError,
  createStream,
  dropStream,
  lookupStream,
  requireStream,
  settingsDifference,
  touchStream,
  type OpenStream,
  type StreamSettings,
} from '../../lib/durable-streams/stream-registry';
import type { StreamAppend } from '../../lib/log/stream-append-check';
import { ProducerEpochStaleError, ProducerSequenceGapError, StreamClosedError } from '../../lib/log/stream-append-errors';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { callerOf } from '../middleware/caller';
import { knownError, requestBodyBytes, type HttpEvent, type HttpResult, type StreamingHttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

/**
 * The Durable Streams protocol under `/ds/` (docs/design.md, "Durable Streams"): PUT
 * creates, POST appends or closes, GET reads (catch-up, long-poll, and SSE where the
 * platform streams), HEAD answers metadata, DELETE deletes. A stream is a topic of one
 * partition to the log and to the ACLs. The handler parses, authorizes, calls
 * lib/durable-streams and shapes the protocol's answer; errors keep Sluice's JSON body
 * with the protocol's status and headers.
 */

type Headers = Record<string, string>;

interface DsRequest {
  method: string;
  /** The stream path after `/ds/`, as sent. */
  path: string;
  topicName: string;
  headers: Headers;
  query: Record<string, string>;
  body: Buffer;
  caller: Caller;
  ctx: SluiceContext;
  /** The request's path and query as sent, to name the same request elsewhere. */
  rawPath: string;
  rawQueryString: string;
}

/** On every answer (protocol 12.7): no MIME sniffing, readable by fetch() from other origins. */
const SECURITY_HEADERS: Headers = { 'x-content-type-options': 'nosniff', 'cross-origin-resource-policy': 'cross-origin' };
const ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'];

function parseRequest(event: HttpEvent): DsRequest {
  const method = event.requestContext.http.method.toUpperCase();
  const raw = event.rawPath.startsWith(`${DS_BASE_PATH}/`) ? event.rawPath.slice(DS_BASE_PATH.length + 1) : '';
  const topicName = streamTopicName(raw);
  if (topicName === undefined) {
    throw new ValidationError('path: a stream path is 1 to 200 characters of non-empty segments (no `.` or `..`) after /ds/', { field: 'path', limit: 200 });
  }
  const headers: Headers = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  // Decoded as every route's body is: gzip inflated, another content coding refused (415).
  const body = requestBodyBytes(event);
  // The API's one body limit (Lambda's 6 MB payload less headroom), as for produce.
  if (body.byteLength > LIMITS.requestBodyMaxBytes) {
    throw new PayloadTooLargeError(`body: must be at most ${LIMITS.requestBodyMaxBytes} bytes, got ${body.byteLength}`, { field: 'body', limit: LIMITS.requestBodyMaxBytes });
  }
  return {
    method,
    path: raw,
    topicName,
    headers,
    query: { ...(event.queryStringParameters ?? {}) } as Record<string, string>,
    body,
    caller: callerOf(event),
    ctx: contextFromEnv(),
    rawPath: event.rawPath,
    rawQueryString: event.rawQueryString ?? '',
  };
}

async function authorize(request: DsRequest, operation: Operation): Promise<void> {
  await requireAccess(request.ctx, request.caller, { resourceType: 'TOPIC', resourceName: request.topicName, operation });
}

function answer(statusCode: number, headers: Headers, body?: Buffer): HttpResult {
  const all = { ...SECURITY_HEADERS, ...headers };
  if (!body || body.byteLength === 0) return { statusCode, headers: all, body: '' };
  return { statusCode, headers: all, body: body.toString('base64'), isBase64Encoded: true };
}

/** An error as the protocol answers it: Sluice's error body, the protocol's status, and the headers the protocol asks for. */
function errorAnswer(error: unknown, method: string): HttpResult {
  const known = knownError(error as Error);
  const headers: Headers = { 'content-type': 'application/json' };
  if (known instanceof StreamClosedError) Object.assign(headers, { [H.closed]: 'true', [H.nextOffset]: formatOffset(known.nextOffset) });
  if (known instanceof ProducerEpochStaleError) headers[H.producerEpoch] = String(known.currentEpoch);
  if (known instanceof ProducerSequenceGapError) Object.assign(headers, { [H.producerExpectedSeq]: String(known.expectedSeq), [H.producerReceivedSeq]: String(known.receivedSeq) });
  if (known instanceof MethodNotAllowedError) headers.allow = known.allow.join(', ');
  const retryAfter = (known as { retryAfterSeconds?: number }).retryAfterSeconds;
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  // A HEAD answer has no body.
  return answer(known.status, headers, method === 'HEAD' ? undefined : Buffer.from(JSON.stringify({ error: known.toJSON() })));
}

/**
 * An SSE read on the HTTP API, which cannot stream a response: 501, naming the same request
 * at the live-read function URL where the stack has one (SLUICE_STREAM_URL), and long-poll
 * as the way to read live here.
 */
class SseNotServedHereError extends SluiceError {
  constructor(request: Pick<DsRequest, 'rawPath' | 'rawQueryString'>) {
    const base = process.env[LIVE_STREAM_URL_ENV_VAR];
    const streamUrl = base ? `${base.replace(/\/+$/, '')}${request.rawPath}${request.rawQueryString ? `?${request.rawQueryString}` : ''}` : undefined;
    super(
      'STREAMING_NOT_SUPPORTED',
      (streamUrl ? `live=sse is served at the live-read URL in streamUrl (${streamUrl}), not by this HTTP API, which cannot stream a response; ` : 'live=sse is not served here: this HTTP API cannot stream a response; ') +
        'or read live with live=long-poll from each answer\'s Stream-Next-Offset.',
      streamUrl ? { streamUrl } : {},
    );
  }
}

export class ContentTypeMismatchError extends SluiceError {
  constructor(stream: string, sent: string) {
    super('CONTENT_TYPE_MISMATCH', `Content-Type: the stream's is '${stream}', this append's '${sent}'`, { field: 'Content-Type' });
  }
}

// ---------------------------------------------------------------------------------------
// Request headers
// ---------------------------------------------------------------------------------------

function settingsOf(request: DsRequest): StreamSettings {
  const contentType = request.headers['content-type'] ?? DS_DEFAULT_CONTENT_TYPE;
  if (!isValidContentType(contentType)) throw new ValidationError(`Content-Type: '${contentType}' is not a media type`, { field: 'Content-Type' });
  const ttlHeader = request.headers[H.ttl];
  const expiresHeader = request.headers[H.expiresAt];
  if (ttlHeader !== undefined && expiresHeader !== undefined) {
    throw new ValidationError('Stream-TTL, Stream-Expires-At: give one or the other, not both', { field: 'Stream-TTL' });
  }
  const ttlSeconds = ttlHeader === undefined ? undefined : parseTtlSeconds(ttlHeader);
  if (ttlHeader !== undefined && ttlSeconds === undefined) {
    throw new ValidationError('Stream-TTL: must be a whole number of seconds, without sign, leading zeros, point or exponent', { field: 'Stream-TTL' });
  }
  const expiresAt = expiresHeader === undefined ? undefined : parseExpiresAt(expiresHeader);
  if (expiresHeader !== undefined && expiresAt === undefined) throw new ValidationError('Stream-Expires-At: must be an RFC 3339 timestamp', { field: 'Stream-Expires-At' });
  return { contentType, ...(ttlSeconds === undefined ? {} : { ttlSeconds }), ...(expiresAt === undefined ? {} : { expiresAt }) };
}

function producerOf(request: DsRequest): StreamAppend['producer'] {
  const id = request.headers[H.producerId];
  const epoch = request.headers[H.producerEpoch];
  const seq = request.headers[H.producerSeq];
  const given = [id, epoch, seq].filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (given !== 3) throw new ValidationError('Producer-Id, Producer-Epoch, Producer-Seq: give all three or none', { field: 'Producer-Id' });
  if (id!.trim() === '') throw new ValidationError('Producer-Id: must not be empty', { field: 'Producer-Id' });
  if (id!.length > 256) throw new ValidationError('Producer-Id: must be at most 256 characters', { field: 'Producer-Id', limit: 256 });
  const parsedEpoch = parseProducerNumber(epoch!);
  if (parsedEpoch === undefined) throw new ValidationError('Producer-Epoch: must be a whole number from 0 to 2^53-1', { field: 'Producer-Epoch' });
  const parsedSeq = parseProducerNumber(seq!);
  if (parsedSeq === undefined) throw new ValidationError('Producer-Seq: must be a whole number from 0 to 2^53-1', { field: 'Producer-Seq' });
  return { id: id!, epoch: parsedEpoch, seq: parsedSeq };
}

function readOffsetOf(request: DsRequest, live: string | undefined): ReadOffset {
  const raw = request.query.offset;
  if (raw === undefined) {
    if (live !== undefined) throw new ValidationError(`offset: required with live=${live}`, { field: 'offset' });
    return { kind: 'start' };
  }
  const offset = parseOffset(raw);
  if (!offset) throw new ValidationError(`offset: '${raw}' is not an offset of this stream (nor -1 or now)`, { field: 'offset' });
  return offset;
}

function liveModeOf(request: DsRequest): 'long-poll' | 'sse' | undefined {
  const live = request.query.live;
  if (live === undefined) return undefined;
  if (live === 'long-poll' || live === 'sse') return live;
  throw new ValidationError(`live: must be long-poll or sse, got '${live}'`, { field: 'live' });
}

/** What a long-poll waits at most (SLUICE_DS_LONG_POLL_MS, else DS_LONG_POLL_MS). */
function longPollMs(): number {
  const value = Number(process.env.SLUICE_DS_LONG_POLL_MS);
  return Number.isInteger(value) && value > 0 ? Math.min(value, DS_LONG_POLL_MS) : DS_LONG_POLL_MS;
}

/** How long an SSE read lasts before the server ends it (SLUICE_DS_SSE_MAX_MS, else DS_SSE_MAX_DURATION_MS); the client reconnects from the last control event's offset. */
function sseMaxMs(): number {
  const value = Number(process.env.SLUICE_DS_SSE_MAX_MS);
  return Number.isInteger(value) && value > 0 ? Math.min(value, DS_SSE_MAX_DURATION_MS) : DS_SSE_MAX_DURATION_MS;
}

// ---------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------

function metadataHeaders(stream: OpenStream, tail: { nextOffset: number; closed: boolean }): Headers {
  return {
    'content-type': stream.item.contentType,
    [H.nextOffset]: formatOffset(tail.nextOffset),
    ...(tail.closed ? { [H.closed]: 'true' } : {}),
  };
}

async function create(request: DsRequest): Promise<HttpResult> {
  if (request.headers[H.forkedFrom] !== undefined) return createFork(request);
  for (const [header, name] of [
    [H.forkOffset, 'Stream-Fork-Offset'],
    [H.forkSubOffset, 'Stream-Fork-Sub-Offset'],
  ] as const) {
    if (request.headers[header] !== undefined) throw new ValidationError(`${name}: only with Stream-Forked-From`, { field: name });
  }
  const settings = settingsOf(request);
  const close = isClosedHeader(request.headers[H.closed]);
  await authorize(request, 'CREATE');
  // An initial body is a write: refused before anything is created, so a refusal leaves no stream behind.
  if (request.body.byteLength > 0) await authorize(request, 'WRITE');
  const records = recordsOfBody(request.body, isJsonContentType(settings.contentType), 'create');
  const outcome = await createStream(request.ctx, request.path, request.topicName, settings);
  const { stream } = outcome;
  if (outcome.kind === 'exists') {
    const tail = await streamTail(request.ctx, stream);
    const difference = settingsDifference(stream, tail.head, settings, close);
    if (difference) throw new StreamExistsError(request.path, difference);
    await touchStream(request.ctx, stream);
    return answer(200, metadataHeaders(stream, tail));
  }
  let tail = { nextOffset: 0, closed: false };
  if (records.length > 0 || close) {
    await chargeQuota(request.ctx, request.caller, 'produce', request.body.byteLength);
    tail = await appendToStream(request.ctx, stream, records, { ...(close ? { close: true } : {}) });
  }
  return answer(201, { ...metadataHeaders(stream, tail), location: requestUrl(request) });
}

/** The fork request's headers: the source, where it diverges, and the settings (Content-Type optional: the source's). */
function forkRequestOf(request: DsRequest): ForkRequest {
  const sourcePath = forkSourcePath(request.headers[H.forkedFrom]!);
  const sourceTopicName = streamTopicName(sourcePath);
  if (sourceTopicName === undefined) throw new ValidationError('Stream-Forked-From: not the path of a stream of this server', { field: 'Stream-Forked-From' });
  const offsetHeader = request.headers[H.forkOffset];
  const offset = offsetHeader === undefined ? undefined : parseForkOffset(offsetHeader.trim());
  if (offsetHeader !== undefined && offset === undefined) throw new ValidationError(`Stream-Fork-Offset: '${offsetHeader}' is not an offset of this server`, { field: 'Stream-Fork-Offset' });
  const subHeader = request.headers[H.forkSubOffset];
  const subOffset = subHeader === undefined ? 0 : parseForkSubOffset(subHeader.trim());
  if (subOffset === undefined) throw new ValidationError('Stream-Fork-Sub-Offset: must be a whole number without sign or leading zeros', { field: 'Stream-Fork-Sub-Offset' });
  const sentType = request.headers['content-type'];
  const given = sentType !== undefined && sentType.trim() !== '';
  const settings = settingsOf(given ? request : { ...request, headers: { ...request.headers, 'content-type': DS_DEFAULT_CONTENT_TYPE } });
  return {
    path: request.path,
    topicName: request.topicName,
    sourcePath,
    sourceTopicName,
    ...(offset === undefined ? {} : { offset }),
    subOffset,
    ...(given ? { contentType: settings.contentType } : {}),
    ...(settings.ttlSeconds === undefined ? {} : { ttlSeconds: settings.ttlSeconds }),
    ...(settings.expiresAt === undefined ? {} : { expiresAt: settings.expiresAt }),
    closed: isClosedHeader(request.headers[H.closed]),
  };
}

/**
 * A fork (PUT with Stream-Forked-From, protocol 4.2): CREATE on the fork's topic and READ
 * on the source's, since the fork serves the source's records. An initial body, and
 * Stream-Closed, apply to the fork after what it inherits, as on any create.
 */
async function createFork(request: DsRequest): Promise<HttpResult> {
  const fork = forkRequestOf(request);
  await authorize(request, 'CREATE');
  if (request.body.byteLength > 0) await authorize(request, 'WRITE');
  await requireAccess(request.ctx, request.caller, { resourceType: 'TOPIC', resourceName: fork.sourceTopicName, operation: 'READ' });
  const outcome = await forkStream(request.ctx, fork);
  const { stream } = outcome;
  if (outcome.kind === 'exists') {
    await touchStream(request.ctx, stream);
    return answer(200, metadataHeaders(stream, { nextOffset: outcome.head.nextOffset, closed: outcome.head.closedAt !== undefined }));
  }
  // Checked once the content type is known (the source's, when the request sent none).
  const records = recordsOfBody(request.body, isJsonContentType(stream.item.contentType), 'create');
  let tail = { nextOffset: outcome.nextOffset, closed: false };
  if (records.length > 0 || fork.closed) {
    await chargeQuota(request.ctx, request.caller, 'produce', request.body.byteLength);
    tail = await appendToStream(request.ctx, stream, records, { ...(fork.closed ? { close: true } : {}) });
  }
  return answer(201, { ...metadataHeaders(stream, tail), location: requestUrl(request) });
}

/** The stream's URL as the caller named it, for Location. */
function requestUrl(request: DsRequest): string {
  const host = request.headers['x-forwarded-host'] ?? request.headers.host;
  const proto = request.headers['x-forwarded-proto'] ?? (host?.startsWith('localhost') || host?.startsWith('127.') ? 'http' : 'https');
  return host ? `${proto}://${host}${DS_BASE_PATH}/${request.path}` : `${DS_BASE_PATH}/${request.path}`;
}

async function append(request: DsRequest): Promise<HttpResult> {
  const close = isClosedHeader(request.headers[H.closed]);
  const producer = producerOf(request);
  const writerSeq = request.headers[H.seq];
  if (request.body.byteLength === 0 && !close) throw new ValidationError('body: an append needs bytes (or Stream-Closed: true to close)', { field: 'body' });
  const sentType = request.headers['content-type'];
  if (request.body.byteLength > 0 && (sentType === undefined || sentType.trim() === '')) throw new ValidationError('Content-Type: required on an append with a body', { field: 'Content-Type' });
  if (sentType !== undefined && request.body.byteLength > 0 && !isValidContentType(sentType)) throw new ValidationError(`Content-Type: '${sentType}' is not a media type`, { field: 'Content-Type' });
  await authorize(request, 'WRITE');
  const stream = await requireStream(request.ctx, request.path, request.topicName);
  const json = isJsonContentType(stream.item.contentType);
  if (request.body.byteLength > 0 && mediaTypeOf(sentType!) !== mediaTypeOf(stream.item.contentType)) {
    // The protocol's precedence: a closed stream says so before a content type mismatch.
    const tail = await streamTail(request.ctx, stream);
    if (tail.closed) throw new StreamClosedError(tail.nextOffset);
    throw new ContentTypeMismatchError(stream.item.contentType, sentType!);
  }
  const records = recordsOfBody(request.body, json, 'append');
  await chargeQuota(request.ctx, request.caller, 'produce', request.body.byteLength);
  const streamAppend: StreamAppend = { ...(close ? { close: true } : {}), ...(writerSeq === undefined ? {} : { writerSeq }), ...(producer ? { producer } : {}) };
  const outcome = await appendToStream(request.ctx, stream, records, streamAppend);
  await touchStream(request.ctx, stream);
  const headers: Headers = { [H.nextOffset]: formatOffset(outcome.nextOffset), ...(outcome.closed ? { [H.closed]: 'true' } : {}) };
  if (producer) {
    headers[H.producerEpoch] = String(producer.epoch);
    // A duplicate answers the highest sequence accepted, not the one it sent.
    headers[H.producerSeq] = String(outcome.kind === 'duplicate' ? outcome.lastSeq : producer.seq);
  }
  // With a producer, new data is 200 and a duplicate 204; without, 204 (protocol 5.2, 5.2.1). A close-only is 204.
  const status = producer && outcome.kind === 'appended' && records.length > 0 ? 200 : 204;
  return answer(status, headers);
}

function readHeaders(stream: OpenStream, read: StreamRead, closed: boolean): Headers {
  return {
    'content-type': stream.item.contentType,
    [H.nextOffset]: formatOffset(read.nextOffset),
    ...(read.upToDate ? { [H.upToDate]: 'true' } : {}),
    ...(closed ? { [H.closed]: 'true' } : {}),
  };
}

/** The entity tag of a read: the stream's id, the range it answers, and `:c` once it is closed (protocol 10.1). */
function etagOf(stream: OpenStream, read: StreamRead): string {
  return `"${stream.topic.topicId}:${formatOffset(read.from)}:${formatOffset(read.nextOffset)}${read.closed ? ':c' : ''}"`;
}

async function read(request: DsRequest): Promise<HttpResult> {
  const live = liveModeOf(request);
  const offset = readOffsetOf(request, live);
  await authorize(request, 'READ');
  const stream = await requireStream(request.ctx, request.path, request.topicName);
  await touchStream(request.ctx, stream);
  if (live === 'sse') throw new SseNotServedHereError(request);
  const json = isJsonContentType(stream.item.contentType);
  await chargeQuota(request.ctx, request.caller, 'fetch', 0);
  const longPoll = live === 'long-poll';
  const result = await readStream(request.ctx, stream, offset, longPoll ? { waitMs: longPollMs() } : {});
  const bytes = result.records.reduce((sum, r) => sum + recordSize(r), 0);
  if (bytes > 0) await chargeQuota(request.ctx, request.caller, 'fetch', bytes).catch(() => undefined);
  const headers = readHeaders(stream, result, result.closed);
  if (longPoll || offset.kind === 'now') {
    if (!result.closed) headers[H.cursor] = nextCursor(request.ctx.now(), request.query.cursor, request.ctx.random);
  }
  if (longPoll && result.records.length === 0) {
    // Nothing came within the wait (or the stream is closed at its tail): 204, caught up.
    return answer(204, { ...headers, [H.upToDate]: 'true', 'cache-control': 'no-store' });
  }
  if (offset.kind === 'now' && !longPoll) return answer(200, { ...headers, 'cache-control': 'no-store' }, Buffer.from(json ? '[]' : ''));
  const etag = etagOf(stream, result);
  headers.etag = etag;
  // A range of records never changes; an answer that reached the tail may grow, so it is kept briefly and privately.
  headers['cache-control'] = result.records.length > 0 ? 'private, max-age=60, stale-while-revalidate=300' : 'no-store';
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === etag)) return answer(304, headers);
  return answer(200, headers, bodyOfRecords(result.records, json));
}

async function head(request: DsRequest): Promise<HttpResult> {
  await authorize(request, 'DESCRIBE');
  const stream = await requireStream(request.ctx, request.path, request.topicName);
  const tail = await streamTail(request.ctx, stream);
  return answer(200, {
    ...metadataHeaders(stream, tail),
    ...(stream.item.ttlSeconds === undefined ? {} : { [H.ttl]: String(stream.item.ttlSeconds) }),
    ...(stream.item.expiresAt === undefined ? {} : { [H.expiresAt]: new Date(stream.item.expiresAt).toISOString() }),
    'cache-control': 'no-store',
  });
}

/** DELETE: the stream goes, or, while forks read it, is soft-deleted (protocol 5.4); either way its path answers as deleted. */
async function remove(request: DsRequest): Promise<HttpResult> {
  await authorize(request, 'DELETE');
  const found = await lookupStream(request.ctx, request.path, request.topicName);
  if (found.kind === 'gone') throw new StreamGoneError(request.path);
  if (found.kind === 'missing') throw new StreamNotFoundError(request.path);
  if ((await dropStream(request.ctx, found.stream.item)) === 'gone') throw new StreamNotFoundError(request.path);
  return answer(204, {});
}

async function serve(request: DsRequest): Promise<HttpResult> {
  switch (request.method) {
    case 'PUT':
      return create(request);
    case 'POST':
      return append(request);
    case 'GET':
      return read(request);
    case 'HEAD':
      return head(request);
    case 'DELETE':
      return remove(request);
    default:
      throw new MethodNotAllowedError(request.method, `${DS_BASE_PATH}/${request.path}`, ALLOWED_METHODS);
  }
}

async function main(event: HttpEvent): Promise<HttpResult> {
  const method = event.requestContext.http.method.toUpperCase();
  try {
    return await serve(parseRequest(event));
  } catch (error) {
    return errorAnswer(error, method);
  }
}

export const handler = middy(main).use(observability());

// ---------------------------------------------------------------------------------------
// SSE (protocol 5.8), where the platform streams a response
// ---------------------------------------------------------------------------------------

/**
 * A live read as server-sent events: each read's records as a `data` event (text for
 * text and JSON streams, base64 for the rest), each followed by a `control` event with
 * the next offset, the cursor and `upToDate`/`streamClosed`. It ends after
 * DS_SSE_MAX_DURATION_MS, or at once after the control event that says the stream is
 * closed. Anything but a live SSE read is answered as `handler` answers it.
 */
async function liveMain(event: HttpEvent): Promise<HttpResult | StreamingHttpResult> {
  const method = event.requestContext.http.method.toUpperCase();
  try {
    const request = parseRequest(event);
    if (request.method !== 'GET' || request.query.live !== 'sse') return await serve(request);
    const offset = readOffsetOf(request, 'sse');
    await authorize(request, 'READ');
    const stream = await requireStream(request.ctx, request.path, request.topicName);
    await touchStream(request.ctx, stream);
    await chargeQuota(request.ctx, request.caller, 'fetch', 0);
    return sseAnswer(request, stream, offset);
  } catch (error) {
    return errorAnswer(error, method);
  }
}

function sseAnswer(request: DsRequest, stream: OpenStream, start: ReadOffset): StreamingHttpResult {
  const { ctx } = request;
  const json = isJsonContentType(stream.item.contentType);
  const binary = !isTextualContentType(stream.item.contentType);
  let cursor = request.query.cursor;
  return {
    statusCode: 200,
    headers: {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      ...(binary ? { [H.sseDataEncoding]: 'base64' } : {}),
    },
    stream: async (write, signal) => {
      const deadline = ctx.now() + sseMaxMs();
      let offset: ReadOffset = start;
      let waitMs = 0;
      let first = true;
      while (!signal.aborted) {
        const left = deadline - ctx.now();
        if (left <= 0) return;
        let result: StreamRead;
        try {
          result = await readStream(ctx, stream, offset, { waitMs: Math.min(waitMs, left, LIVE_DEFAULTS.heartbeatMs), signal });
        } catch (error) {
          if (signal.aborted) return;
          await write(sseEventText('error', JSON.stringify({ error: knownError(error as Error).toJSON() })));
          return;
        }
        if (signal.aborted) return;
        if (result.records.length > 0) {
          const payload = bodyOfRecords(result.records, json);
          await write(sseEventText('data', binary ? payload.toString('base64') : payload.toString('utf8')));
          const bytes = result.records.reduce((sum, r) => sum + recordSize(r), 0);
          await chargeQuota(ctx, request.caller, 'fetch', bytes).catch(() => undefined);
        }
        if (result.records.length > 0 || first || result.closed) {
          const control: SseControl = { streamNextOffset: formatOffset(result.nextOffset) };
          if (!result.closed) control.streamCursor = cursor = nextCursor(ctx.now(), cursor, ctx.random);
          if (result.upToDate) control.upToDate = true;
          if (result.closed) control.streamClosed = true;
          await write(sseEventText('control', JSON.stringify(control)));
          if (result.closed) return;
        } else {
          await write(': keep-alive\n\n');
        }
        offset = { kind: 'at', offset: result.nextOffset };
        // Caught up: wait at the tail (a heartbeat's time at most); behind: read on at once.
        waitMs = result.upToDate ? LIVE_DEFAULTS.heartbeatMs : 0;
        first = false;
      }
    },
  };
}

export const streamHandler = middy<HttpEvent, HttpResult | StreamingHttpResult>(liveMain).use(observability());
