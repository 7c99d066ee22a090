import type { Outcome } from './history';

/** A JSON call's answer: an HTTP status and body, or status 0 when no answer came. */
export interface Reply {
  status: number;
  body: any;
  error?: string;
}

/** One JSON call to the Sluice HTTP API; never throws. The timeout only bounds a hung call. */
export async function request(url: string, method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<Reply> {
  try {
    const response = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { raw: text.slice(0, 200) };
    }
    return { status: response.status, body: parsed };
  } catch (error) {
    return { status: 0, body: undefined, error: String(error) };
  }
}

/** Error codes that say the request was refused whole: nothing was written. */
const DEFINITE_REFUSALS = new Set([
  'INVALID_REQUEST',
  'TOPIC_NOT_FOUND',
  'PARTITION_NOT_FOUND',
  'UNKNOWN_PRODUCER',
  'FENCED',
  'OUT_OF_ORDER_SEQUENCE',
  'OFFSET_MISMATCH',
  'COMMIT_CONTENDED',
  'PAYLOAD_TOO_LARGE',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER',
  'PARTITION_NOT_ASSIGNED',
  'GROUP_NOT_FOUND',
  'GROUP_ACTIVE',
  'OFFSET_OUT_OF_RANGE',
]);

/**
 * The client's view of a reply: ok on 2xx; a definite refusal for the error codes that
 * promise nothing was written; unknown otherwise (no answer, a 500, or
 * DUPLICATE_SEQUENCE, which says the call was committed once, at offsets no longer known).
 */
export function classify(reply: Reply): { outcome: Outcome; code?: string } {
  if (reply.status >= 200 && reply.status < 300) return { outcome: 'ok' };
  if (reply.status === 0) return { outcome: 'unknown', code: 'NETWORK' };
  const code = typeof reply.body?.error?.code === 'string' ? (reply.body.error.code as string) : `HTTP_${reply.status}`;
  if (DEFINITE_REFUSALS.has(code)) return { outcome: 'fail', code };
  return { outcome: 'unknown', code };
}

/** The same classification for an error thrown by a lib call: SluiceErrors carry their code. */
export function classifyError(error: unknown): { outcome: Outcome; code: string } {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && DEFINITE_REFUSALS.has(code)) return { outcome: 'fail', code };
  if (typeof code === 'string') return { outcome: 'unknown', code };
  return { outcome: 'unknown', code: (error as Error)?.name ?? 'ERROR' };
}
