/**
 * The Durable Streams protocol's wire contract as Sluice serves it (docs/design.md,
 * "Durable Streams"): the base path, header names, offsets, cursors and the parsing of
 * every header and query value a caller sends. Dependency-free: the handler, the local
 * platform and the tests share it.
 */

import type { ErrorCode } from './error-codes';
import type { RouteSpec } from './routes';

/** The error codes the protocol's route answers (with the protocol's statuses; see the error table). */
export const DS_ERROR_CODES: readonly ErrorCode[] = [
  'INVALID_REQUEST',
  'UNAUTHENTICATED',
  'ACCESS_DENIED',
  'PRODUCER_EPOCH_STALE',
  'STREAM_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'STREAM_EXISTS',
  'STREAM_CLOSED',
  'CONTENT_TYPE_MISMATCH',
  'FORK_SOURCE_DELETED',
  'STREAM_SEQ_REGRESSION',
  'PRODUCER_SEQUENCE_GAP',
  'STREAM_GONE',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_CONTENT_ENCODING',
  'QUOTA_EXCEEDED',
  'INTERNAL',
  'STREAMING_NOT_SUPPORTED',
  'SERVICE_BUSY',
  'COMMIT_OUTCOME_UNKNOWN',
  'COMMIT_CONTENDED',
];

/** Every stream lives under this path of the HTTP API: `/ds/<stream path>`. */
export const DS_BASE_PATH = '/ds';

/** The one route of the protocol: every method, every path under the base (the handler tells them apart). */
export const DS_ROUTE: RouteSpec = { method: 'ANY', path: `${DS_BASE_PATH}/{proxy+}` };

/** Topic names of streams start with this; the rest encodes the stream path (`streamTopicName`). */
export const DS_TOPIC_PREFIX = 'ds.';

export const DS_HEADERS = {
  nextOffset: 'stream-next-offset',
  cursor: 'stream-cursor',
  upToDate: 'stream-up-to-date',
  closed: 'stream-closed',
  ttl: 'stream-ttl',
  expiresAt: 'stream-expires-at',
  seq: 'stream-seq',
  forkedFrom: 'stream-forked-from',
  forkOffset: 'stream-fork-offset',
  forkSubOffset: 'stream-fork-sub-offset',
  sseDataEncoding: 'stream-sse-data-encoding',
  producerId: 'producer-id',
  producerEpoch: 'producer-epoch',
  producerSeq: 'producer-seq',
  producerExpectedSeq: 'producer-expected-seq',
  producerReceivedSeq: 'producer-received-seq',
} as const;

/** Stream paths longer than this are refused: the topic name they encode to must fit Kafka's 249 characters. */
export const STREAM_PATH_MAX_LENGTH = 200;

/** What a read answers at most, in record bytes, before it stops at a record boundary (the caller reads on from Stream-Next-Offset). */
export const DS_READ_MAX_BYTES = 1024 * 1024;

/** How long a long-poll waits for data before answering 204 (API Gateway's integration timeout is 30 s). */
export const DS_LONG_POLL_MS = 20_000;

/** An SSE read ends after this long; the client reconnects from the last control event's offset (the protocol's ~60 s). */
export const DS_SSE_MAX_DURATION_MS = 60_000;

/** The content type of a stream created without one. */
export const DS_DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * A stream path (the URL path after `/ds/`, still percent-encoded) as a topic name:
 * `ds.` and the path with each `/` as `.`, and every byte outside `[A-Za-z0-9-]` of
 * the decoded segments (`.` and `_` included) as `_` and two hex digits, so the mapping
 * is one-to-one and readable (`v1/stream/orders` is `ds.v1.stream.orders`), and an ACL
 * on a topic prefix (`ds.v1.stream.`) covers a subtree of streams. Undefined when the
 * path is empty, has an empty or dot segment, or is too long.
 */
export function streamTopicName(path: string): string | undefined {
  if (path.length === 0 || path.length > STREAM_PATH_MAX_LENGTH * 3) return undefined;
  const segments = path.split('/');
  const encoded: string[] = [];
  for (const raw of segments) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '' || segment === '.' || segment === '..') return undefined;
    let out = '';
    for (const byte of new TextEncoder().encode(segment)) {
      const c = String.fromCharCode(byte);
      out += /[A-Za-z0-9-]/.test(c) ? c : `_${byte.toString(16).padStart(2, '0')}`;
    }
    encoded.push(out);
  }
  const name = DS_TOPIC_PREFIX + encoded.join('.');
  return name.length <= 249 && decodedLength(segments) <= STREAM_PATH_MAX_LENGTH ? name : undefined;
}

function decodedLength(segments: readonly string[]): number {
  return segments.reduce((sum, s) => sum + decodeURIComponent(s).length, segments.length - 1);
}

/** The stream path a topic name encodes, or undefined if it is not a stream's. */
export function streamPathOf(topicName: string): string | undefined {
  if (!topicName.startsWith(DS_TOPIC_PREFIX)) return undefined;
  const segments = topicName.slice(DS_TOPIC_PREFIX.length).split('.');
  return segments
    .map((segment) => {
      const bytes: number[] = [];
      for (let i = 0; i < segment.length; i++) {
        if (segment[i] === '_') {
          bytes.push(parseInt(segment.slice(i + 1, i + 3), 16));
          i += 2;
        } else bytes.push(segment.charCodeAt(i));
      }
      return new TextDecoder().decode(new Uint8Array(bytes));
    })
    .join('/');
}

/** Offsets are the log's record offsets, 16 decimal digits wide, so that they sort as strings do. */
const OFFSET_DIGITS = 16;
const OFFSET_PATTERN = /^\d{16}$/;

export function formatOffset(offset: number): string {
  return String(offset).padStart(OFFSET_DIGITS, '0');
}

/** A read's `offset`: the stream's start (`-1` or absent), its tail (`now`), or a record offset. */
export type ReadOffset = { kind: 'start' } | { kind: 'now' } | { kind: 'at'; offset: number };

/** Parses an offset a caller sends; undefined when it is not one this server minted (or a sentinel). */
export function parseOffset(value: string): ReadOffset | undefined {
  if (value === '-1') return { kind: 'start' };
  if (value === 'now') return { kind: 'now' };
  if (!OFFSET_PATTERN.test(value)) return undefined;
  const offset = Number(value);
  return Number.isSafeInteger(offset) ? { kind: 'at', offset } : undefined;
}

/**
 * The reference server's spelling of a stream's first offset (`<read seq>_<byte offset>`,
 * both zero). Clients that construct a fork offset at the start, the conformance suite
 * among them, send it; it is accepted as offset 0 for `Stream-Fork-Offset` only.
 */
const REFERENCE_START_OFFSET = '0000000000000000_0000000000000000';

/** `Stream-Fork-Offset`: an offset this server minted (or the reference server's start); undefined when malformed. */
export function parseForkOffset(value: string): number | undefined {
  if (value === REFERENCE_START_OFFSET) return 0;
  const parsed = parseOffset(value);
  return parsed?.kind === 'at' ? parsed.offset : undefined;
}

/** `Stream-Fork-Sub-Offset`: a non-negative decimal integer without sign or leading zeros. */
export function parseForkSubOffset(value: string): number | undefined {
  if (!/^(0|[1-9]\d*)$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The stream path a `Stream-Forked-From` names: the source's URL path, with or without
 * this server's base path (`/ds/a/b` and `/a/b` both name stream `a/b`; the protocol's
 * own examples, and its suite, name streams from the stream root). A stream whose path
 * itself starts with `ds/` is therefore named with the base path (`/ds/ds/...`).
 */
export function forkSourcePath(value: string): string {
  const path = value.trim();
  if (path.startsWith(`${DS_BASE_PATH}/`)) return path.slice(DS_BASE_PATH.length + 1);
  return path.startsWith('/') ? path.slice(1) : path;
}

/** `Stream-Closed` counts only when it is `true`, in any case (protocol 4.1); any other value is as if absent. */
export function isClosedHeader(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'true';
}

/** The media type of a Content-Type value, lower-cased and without parameters (`text/plain; charset=utf-8` is `text/plain`). */
export function mediaTypeOf(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

export function isJsonContentType(contentType: string): boolean {
  return mediaTypeOf(contentType) === 'application/json';
}

/** SSE data events carry text for `text/*` and JSON streams; everything else is base64 (protocol 5.8). */
export function isTextualContentType(contentType: string): boolean {
  const media = mediaTypeOf(contentType);
  return media.startsWith('text/') || media === 'application/json';
}

const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;

/** Whether a Content-Type value names a media type at all (`type/subtype`, parameters allowed). */
export function isValidContentType(contentType: string): boolean {
  return MEDIA_TYPE.test(mediaTypeOf(contentType));
}

/** `Stream-TTL`: a non-negative decimal integer without sign, leading zeros, point or exponent (protocol 5.1). */
export function parseTtlSeconds(value: string): number | undefined {
  if (!/^(0|[1-9]\d*)$/.test(value)) return undefined;
  const seconds = Number(value);
  return Number.isSafeInteger(seconds) ? seconds : undefined;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** `Stream-Expires-At`: an RFC 3339 timestamp, as milliseconds since the epoch. */
export function parseExpiresAt(value: string): number | undefined {
  if (!RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Producer-Epoch and Producer-Seq: non-negative decimal integers up to 2^53-1. */
export function parseProducerNumber(value: string): number | undefined {
  if (!/^(0|[1-9]\d*)$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The interval cursors count in (protocol 10.1): 20 s from 2024-10-09T00:00:00Z. */
export const CURSOR_INTERVAL_MS = 20_000;
export const CURSOR_EPOCH_MS = Date.UTC(2024, 9, 9);

/**
 * The cursor of a live answer: the current interval's number, or, when the caller's
 * cursor is already there or past it, a number past the caller's by a jitter of 1 to
 * 180 intervals (1-3600 s), so cursors never repeat for one caller (protocol 10.1).
 */
export function nextCursor(now: number, callerCursor: string | undefined, random: () => number): string {
  const interval = Math.floor((now - CURSOR_EPOCH_MS) / CURSOR_INTERVAL_MS);
  const theirs = callerCursor !== undefined && /^\d{1,15}$/.test(callerCursor) ? Number(callerCursor) : undefined;
  if (theirs === undefined || theirs < interval) return String(interval);
  const jitterSeconds = 1 + Math.floor(random() * 3600);
  return String(theirs + Math.max(1, Math.ceil(jitterSeconds / (CURSOR_INTERVAL_MS / 1000))));
}

/** An SSE control event's payload (protocol 5.8). */
export interface SseControl {
  streamNextOffset: string;
  streamCursor?: string;
  upToDate?: true;
  streamClosed?: true;
}

/**
 * One SSE event: each line of `data` on its own `data:` line, so a payload's newlines
 * (CR, LF or CRLF) can never end the event or start another one.
 */
export function sseEventText(event: string, data: string): string {
  const lines = data.split(/\r\n|\r|\n/);
  // A reader strips one space after the colon: a line that starts with one gets another, so its own survives.
  return `event: ${event}\n${lines.map((line) => (line.startsWith(' ') ? `data: ${line}` : `data:${line}`)).join('\n')}\n\n`;
}
