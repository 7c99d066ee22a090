import middy from '@middy/core';
import { releaseConnectionRetrying } from '../../lib/groups/member-binding';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import type { WebSocketEvent, WebSocketResult } from '../middleware/websocket';
import { log, observability } from '../middleware/observability';

/**
 * `$disconnect`: the connection closed (the client closed it, API Gateway's idle timeout
 * or 2-hour limit, a network failure). Every group member bound to it starts its session
 * timeout (lib/groups/member-binding). API Gateway runs this once, best effort, and
 * ignores the answer, so a storage outage is waited out here (up to 25 s); a failure past
 * that is logged, and a member it missed keeps its bound lease until that lapses.
 */
async function main(event: WebSocketEvent): Promise<WebSocketResult> {
  const connectionId = event.requestContext.connectionId;
  // When the connection closed, as API Gateway stamps the event: the members' session timeout starts then.
  const closedAt = event.requestContext.requestTimeEpoch;
  const { bindings, released, attempts } = await releaseConnectionRetrying(contextFromEnv(), connectionId, closedAt);
  if (bindings > 0) log({ level: 'INFO', message: 'connection released its members', connectionId, bindings, released, attempts });
  return { statusCode: 200 };
}

export const handler = middy(main).use(observability());
