/**
 * HTTP calls to a running platform as a given bearer token, with bodies that may be
 * deliberately malformed (raw text sent as is), for the authorization tests.
 */
export interface ApiRequest {
  method: string;
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent verbatim as an application/json body (invalid JSON, `null`, `[]`…); wins over `body`. */
  rawBody?: string;
  /** Request headers, over the defaults (a `content-type` here replaces application/json). */
  headers?: Record<string, string>;
}

export interface ApiAnswer {
  status: number;
  /** The parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: any;
  headers: Headers;
}

export type Api = (token: string | null, request: ApiRequest) => Promise<ApiAnswer>;

export function apiCaller(baseUrl: () => string): Api {
  return async (token, request) => {
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const text = request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
    if (text !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, request.headers);
    const response = await fetch(baseUrl() + request.path, { method: request.method, headers, body: text });
    const eventStream = (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
    const answer = eventStream ? await textWithin(response, EVENT_STREAM_READ_MS) : await response.text();
    let body: unknown = undefined;
    if (answer) {
      try {
        body = JSON.parse(answer);
      } catch {
        body = answer;
      }
    }
    return { status: response.status, body, headers: response.headers };
  };
}

/** How long an answer of server-sent events is read before it is cut (one that ends sooner is read whole). */
const EVENT_STREAM_READ_MS = 5_000;

/** The body's text as far as it comes within `ms`; then the response is cancelled. */
async function textWithin(response: Response, ms: number): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const timer = setTimeout(() => void reader.cancel().catch(() => undefined), ms);
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // Cancelled: what came so far.
  } finally {
    clearTimeout(timer);
  }
  return text + decoder.decode();
}

/** Status and error code: what two answers must share to look the same to a caller. */
export function outcome(answer: ApiAnswer): string {
  return `${answer.status} ${answer.body?.error?.code ?? '(no error code)'}`;
}

/** Whether `name` appears anywhere in a JSON value, as a string or as an object key. */
export function mentions(value: unknown, name: string): boolean {
  if (typeof value === 'string') return value === name;
  if (Array.isArray(value)) return value.some((item) => mentions(item, name));
  if (value && typeof value === 'object') return Object.entries(value).some(([key, item]) => key === name || mentions(item, name));
  return false;
}

/** Runs `work` over `items`, at most `limit` at a time (the platform shares two cores). */
export async function inBatches<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}
