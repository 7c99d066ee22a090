import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { captureClient } from '../observability/client-capture';

/**
 * Messages to WebSocket connections through API Gateway's management API
 * (`POST /@connections/{id}`), the only way a server reaches a WebSocket client: the
 * watch handler's answers and the notifier's `ready`. Locally the platform serves the
 * same API on its own port, so this is the real SDK client in both places.
 */

/** Where the management API is: `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}` deployed. */
export const WATCH_ENDPOINT_ENV_VAR = 'SLUICE_WATCH_ENDPOINT';

export type PostOutcome = 'sent' | 'gone';

/** Posts text frames to connections; `gone` when the connection has closed. */
export interface ConnectionPoster {
  post(connectionId: string, message: unknown): Promise<PostOutcome>;
}

const posters = new Map<string, ConnectionPoster>();

/**
 * The poster for the configured endpoint, created once per container (and per endpoint,
 * for tests that start more than one platform); undefined when none is configured (no
 * WebSocket API deployed, so nobody can be waiting).
 */
export function connectionPosterFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectionPoster | undefined {
  const endpoint = env[WATCH_ENDPOINT_ENV_VAR];
  if (!endpoint) return undefined;
  let poster = posters.get(endpoint);
  if (!poster) {
    poster = managementApiPoster(endpoint, env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1');
    posters.set(endpoint, poster);
  }
  return poster;
}

function managementApiPoster(endpoint: string, region: string): ConnectionPoster {
  // A `ready` is worth little late: two attempts, then the stream trigger is the backstop.
  const client = captureClient(new ApiGatewayManagementApiClient({ endpoint, region, maxAttempts: 2 }));
  return {
    async post(connectionId, message) {
      try {
        await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify(message), 'utf8') }));
        return 'sent';
      } catch (error) {
        // 410: the client disconnected (or API Gateway closed it); its watches are stale.
        if ((error as { name?: string }).name === 'GoneException') return 'gone';
        throw error;
      }
    },
  };
}
