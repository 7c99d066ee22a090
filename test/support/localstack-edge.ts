import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A LocalStack-shaped edge for tests: one HTTP port in front of DynamoDB Local (tables
 * and streams) and s3rver, routing each request as LocalStack's gateway does, by the
 * service in its SigV4 credential scope. With it, the platform is configured exactly as
 * a LocalStack user configures it (one AWS_ENDPOINT_URL, path-style S3), while everything
 * behind it runs on a machine without Docker.
 *
 * Requests and answers pass through unchanged, bodies streamed, headers as sent (Host
 * included): neither emulator checks signatures (DynamoDB Local reads only the key id;
 * s3rver runs with allowMismatchedSignatures), so nothing is re-signed.
 */
export type EdgeService = 'dynamodb' | 'dynamodbstreams' | 's3';

export interface EdgeUpstreams {
  dynamodb: string;
  /** DynamoDB Local serves its streams on its own port: the same URL as `dynamodb` there. */
  dynamodbstreams: string;
  s3: string;
}

export interface LocalStackEdge {
  /** `http://127.0.0.1:<port>`: what AWS_ENDPOINT_URL points at. */
  url: string;
  /** Requests forwarded per service, and requests refused because no service could be told. */
  readonly counts: Record<EdgeService | 'unrouted', number>;
  stop(): Promise<void>;
}

/** The DynamoDB Streams API's X-Amz-Target prefix; its SDK signs with the `dynamodb` service name. */
const STREAMS_TARGET_PREFIX = 'DynamoDBStreams_20120810.';

/**
 * The service a request is for, from its credential scope
 * (`Credential=AKID/20261207/us-east-1/<service>/aws4_request`, in the Authorization
 * header or, for a presigned URL, the X-Amz-Credential query parameter). The DynamoDB
 * Streams SDK signs as `dynamodb` and is told apart by its X-Amz-Target, as LocalStack
 * does; `streams.dynamodb` (its endpoint prefix) is accepted too.
 */
export function edgeServiceOf(headers: IncomingHttpHeaders, url = '/'): EdgeService | undefined {
  const service = scopeService(headers.authorization) ?? scopeService(presignedCredential(url));
  if (service === 's3') return 's3';
  if (service === 'streams.dynamodb' || service === 'dynamodbstreams') return 'dynamodbstreams';
  if (service === 'dynamodb') {
    const target = headers['x-amz-target'];
    return typeof target === 'string' && target.startsWith(STREAMS_TARGET_PREFIX) ? 'dynamodbstreams' : 'dynamodb';
  }
  return undefined;
}

function scopeService(value: string | undefined): string | undefined {
  if (!value) return undefined;
  // AKID/date/region/service/aws4_request
  const match = /Credential=([^,\s]+)/.exec(value) ?? /^([^,\s]+\/aws4_request)$/.exec(value);
  const parts = match?.[1]?.split('/');
  return parts && parts.length >= 5 && parts[parts.length - 1] === 'aws4_request' ? parts[parts.length - 2] : undefined;
}

function presignedCredential(url: string): string | undefined {
  const query = url.indexOf('?');
  if (query < 0) return undefined;
  return new URLSearchParams(url.slice(query + 1)).get('X-Amz-Credential') ?? undefined;
}

export async function startLocalStackEdge(upstreams: EdgeUpstreams, host = '127.0.0.1'): Promise<LocalStackEdge> {
  const counts: Record<EdgeService | 'unrouted', number> = { dynamodb: 0, dynamodbstreams: 0, s3: 0, unrouted: 0 };
  const server: Server = createServer((req, res) => {
    const service = edgeServiceOf(req.headers, req.url);
    if (!service) {
      counts.unrouted++;
      // LocalStack answers a request it cannot attribute to a service with an error, too.
      req.resume();
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ __type: 'UnrecognizedClientException', message: 'no SigV4 credential scope names a service this edge serves' }));
      return;
    }
    counts[service]++;
    forward(req, res, new URL(upstreams[service]));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    counts,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// http.request sends a flat raw header list ([name, value, …]) as given: names' case, order and repeats kept.
function forward(req: IncomingMessage, res: ServerResponse, upstream: URL): void {
  const outgoing = httpRequest(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.rawHeaders },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    },
  );
  outgoing.on('error', (error) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`edge: upstream ${upstream.host} failed: ${error.message}`);
  });
  req.pipe(outgoing);
}
