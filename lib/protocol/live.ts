/**
 * Live reads: `GET /v1/topics/{topic}/partitions/{p}/records` as a stream of server-sent
 * events (the WHATWG `text/event-stream` format), shared by the server that writes it and
 * the client that reads it (docs/http-api.md, "Live reads"; docs/design.md, "Live reads (SSE)").
 *
 *   retry: 1000                       sent first: EventSource's reconnection delay
 *
 *   id: 42                            the answer's nextOffset: Last-Event-ID resumes right after it
 *   event: records
 *   data: {"topic":…,"records":[…],"nextOffset":42,"highWatermark":42,…}   the ordinary fetch's answer
 *
 *   : keep-alive                      a comment, every LIVE_DEFAULTS.heartbeatMs while idle
 *
 *   id: 42
 *   event: end
 *   data: {"reason":"max-duration","nextOffset":42}    then the server closes: reconnect
 *
 *   event: failure
 *   data: {"error":{"code":…,"message":…,"retriable":…}}   an error after the stream began; then it closes
 */

/** The event names of a live read. `failure` rather than `error`: EventSource's own `error` event means the connection. */
export type LiveEventName = 'records' | 'end' | 'failure';

/** The `data` of an `end` event. */
export interface LiveEnd {
  readonly reason: 'max-duration';
  readonly nextOffset: number;
}

export const LIVE_DEFAULTS = {
  /** A comment line is written after this long without an event, so proxies and clients see the connection alive. */
  heartbeatMs: 15_000,
  /** The server ends a stream after this long with an `end` event (the client reconnects with Last-Event-ID). */
  maxDurationMs: 60_000,
  /** EventSource's reconnection delay, sent as the stream's first field. */
  retryMs: 1_000,
} as const;

export const EVENT_STREAM_TYPE = 'text/event-stream';

/**
 * The base URL of the deployed live-read function URL (infra/constructs/sluice-live-reads.ts),
 * which the stack gives the HTTP API's fetch handler so its 501 names where live reads are served.
 */
export const LIVE_STREAM_URL_ENV_VAR = 'SLUICE_STREAM_URL';

/**
 * Whether a fetch asks for the live stream: `?live=sse`, or an `Accept` header naming
 * `text/event-stream` (with a q above 0) and not `application/json`, so a client that
 * accepts either (`Accept: application/json, text/event-stream`) gets the ordinary answer.
 */
export function wantsEventStream(accept: string | undefined, live: string | undefined): boolean {
  if (live === 'sse') return true;
  const types = acceptedTypes(accept);
  return types.includes(EVENT_STREAM_TYPE) && !types.includes('application/json');
}

/** The media types an `Accept` header names, lower-cased, without those it refuses (q=0). */
export function acceptedTypes(accept: string | undefined): string[] {
  if (accept === undefined) return [];
  return accept
    .split(',')
    .map((part) => part.split(';').map((piece) => piece.trim().toLowerCase()))
    .filter(([, ...params]) => !params.some((param) => /^q=0(\.0*)?$/.test(param)))
    .map(([type]) => type!);
}

/** One event in the stream's text form. `data` must be one line (JSON is). */
export function sseEvent(fields: { id?: number | string; event?: LiveEventName; data: string }): string {
  if (/[\r\n]/.test(fields.data)) throw new Error('SSE data must be one line');
  let text = '';
  if (fields.id !== undefined) text += `id: ${fields.id}\n`;
  if (fields.event !== undefined) text += `event: ${fields.event}\n`;
  return `${text}data: ${fields.data}\n\n`;
}

/** A comment: ignored by readers, keeps the connection from looking idle. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

export function sseRetry(ms: number): string {
  return `retry: ${ms}\n\n`;
}

/** An event as a reader sees it (the WHATWG parsing rules). */
export interface SseMessage {
  /** The event's type; `message` when it named none. */
  readonly event: string;
  readonly data: string;
  /** The last event id the stream set so far, as EventSource keeps it (empty if none). */
  readonly lastEventId: string;
}

/**
 * Parses `text/event-stream` text fed in pieces of any size (lines may be split anywhere,
 * end with LF, CR or CRLF). Follows the WHATWG rules: comments ignored, `data` lines joined
 * with LF, an event dispatched at a blank line only if it has data, `id` without NUL kept as
 * the last event id even across events, unknown fields ignored.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private eventType = '';
  private lastId = '';
  private sawCr = false;
  private first = true;

  /** The last event id seen, as a reconnection's `Last-Event-ID` should carry it. */
  get lastEventId(): string {
    return this.lastId;
  }

  /** Feeds text; answers the events it completed. */
  push(chunk: string): SseMessage[] {
    let text = chunk;
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // A CR at the end of the previous chunk already ended its line: skip the LF of its CRLF.
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1);
    this.sawCr = false;
    this.buffer += text;
    const messages: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      const line = this.buffer.slice(start, i);
      if (c === '\r') {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === '\n') i++;
        } else this.sawCr = true;
      }
      start = i + 1;
      const message = this.line(line);
      if (message) messages.push(message);
    }
    this.buffer = this.buffer.slice(start);
    return messages;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') {
      const data = this.data;
      const eventType = this.eventType;
      this.data = [];
      this.eventType = '';
      if (data.length === 0) return undefined;
      return { event: eventType || 'message', data: data.join('\n'), lastEventId: this.lastId };
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\u0000')) this.lastId = value;
    return undefined;
  }
}
