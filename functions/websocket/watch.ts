import middy from '@middy/core';
import { ValidationError } from '../../lib/core/errors';
import { parseInput } from '../../lib/core/validate';
import { bindMember } from '../../lib/groups/member-binding';
import { bindRequestSchema, checkRequestSchema, watchRequestSchema, type BindRequest, type CheckRequest, type WatchRequest, type WatchServerMessage } from '../../lib/protocol/watch';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { connectionPosterFromEnv, WATCH_ENDPOINT_ENV_VAR, type ConnectionPoster } from '../../lib/store/connection-poster';
import { armWatches } from '../../lib/watch/arm-watches';
import { checkWatches } from '../../lib/watch/check-watches';
import { knownError, watchErrorOf } from '../../lib/watch/watch-errors';
import { connectionCallerOf, type WebSocketEvent, type WebSocketResult } from '../middleware/websocket';
import { log, observability } from '../middleware/observability';

/**
 * The WebSocket `watch`, `check` and `bind` routes (and `$default`, which gets every message
 * whose `action` is not a route: non-JSON, unknown or missing actions). `watch` arms the
 * connection's watches (lib/watch/arm-watches); `check`, the client's periodic safety
 * net, reads the heads of the watches it names and writes nothing
 * (lib/watch/check-watches); `bind` keeps a group member's lease with this connection
 * (lib/groups/member-binding). The answer is posted to the connection: `ready` or
 * `watch-error` per partition, then `armed` (or `checked`); `bound` for a bind. Any refusal, of the whole
 * message or of one partition, is a `watch-error` in the HTTP API's error shape; nothing
 * a client sends makes it fail.
 */
async function main(event: WebSocketEvent): Promise<WebSocketResult> {
  const connectionId = event.requestContext.connectionId;
  const poster = connectionPosterFromEnv();
  if (!poster) throw new Error(`${WATCH_ENDPOINT_ENV_VAR} is not set: the watch function cannot answer its connections`);
  let messages: WatchServerMessage[];
  try {
    const caller = connectionCallerOf(event);
    const request = watchMessage(event);
    messages =
      request.action === 'watch'
        ? await armWatches(contextFromEnv(), caller, connectionId, request)
        : request.action === 'check'
          ? await checkWatches(contextFromEnv(), caller, request)
          : await bindMember(contextFromEnv(), caller, connectionId, request);
  } catch (error) {
    const { known, unexpected } = knownError(error);
    if (unexpected) log({ level: 'ERROR', message: 'unhandled error', error: String(error), stack: (error as Error)?.stack });
    messages = [watchErrorOf(known)];
  }
  await postInOrder(poster, connectionId, messages);
  return { statusCode: 200 };
}

/** Posts at once, in groups, so a watch of many partitions answers quickly. */
const POST_CONCURRENCY = 16;

/**
 * Posts the per-partition messages (in any order among themselves, several at a time),
 * then the last one (`armed` or `checked`, which closes the answer), and stops once the client is gone:
 * the rest would be lost too, and its watches expire or are deleted when notified.
 */
async function postInOrder(poster: ConnectionPoster, connectionId: string, messages: WatchServerMessage[]): Promise<void> {
  const last = messages.at(-1);
  const rest = messages.slice(0, -1);
  for (let i = 0; i < rest.length; i += POST_CONCURRENCY) {
    const outcomes = await Promise.all(rest.slice(i, i + POST_CONCURRENCY).map((message) => poster.post(connectionId, message)));
    if (outcomes.includes('gone')) return;
  }
  if (last) await poster.post(connectionId, last);
}

/** The message as a watch, check or bind request: JSON, an object whose `action` is one of them, valid against the protocol's schema. */
function watchMessage(event: WebSocketEvent): WatchRequest | CheckRequest | BindRequest {
  const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError('body: is not valid JSON', { field: 'body' });
  }
  const action = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as { action?: unknown }).action : undefined;
  if (action === 'watch') return parseInput(watchRequestSchema, parsed);
  if (action === 'check') return parseInput(checkRequestSchema, parsed);
  if (action === 'bind') return parseInput(bindRequestSchema, parsed);
  throw new ValidationError('action: must be "watch", "check", "bind" or "ping"', { field: 'action' });
}

export const handler = middy(main).use(observability());
