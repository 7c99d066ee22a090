import middy from '@middy/core';
import { SluiceError } from '../../lib/core/errors';
import { connectionCallerOf, type WebSocketEvent, type WebSocketResult } from '../middleware/websocket';
import { log, observability } from '../middleware/observability';

/**
 * `$connect`: accepts a connection whose caller API Gateway authenticated (IAM; locally
 * the bearer token). It writes nothing: a connection costs storage only once it arms a
 * watch. A caller without a usable identity is refused here too, so the watch route
 * never sees one.
 */
async function main(event: WebSocketEvent): Promise<WebSocketResult> {
  try {
    connectionCallerOf(event);
    return { statusCode: 200 };
  } catch (error) {
    if (!(error instanceof SluiceError)) throw error;
    log({ level: 'INFO', message: 'connection refused', code: error.code, reason: error.message });
    return { statusCode: error.status };
  }
}

export const handler = middy(main).use(observability());
