import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { captureClient } from '../observability/client-capture';

/**
 * SDK clients configured from the standard AWS environment: region, credentials
 * and `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL_DYNAMODB` /
 * `AWS_ENDPOINT_URL_LAMBDA` (read by the SDK itself). Path-style S3 addressing is
 * used whenever an S3 endpoint is overridden, because emulators (s3rver,
 * LocalStack) serve one host. Each client passes through `captureClient`, so with
 * tracing on every call is an X-Ray subsegment.
 */
export function createDynamoDocumentClient(env: NodeJS.ProcessEnv = process.env): DynamoDBDocumentClient {
  // Captured before wrapping: the document client shares the base client's middleware stack.
  const client = captureClient(new DynamoDBClient({ region: regionFrom(env) }));
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function createS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  const overridden = Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  return captureClient(withLeanSegmentPuts(new S3Client({ region: regionFrom(env), forcePathStyle: overridden || env.SLUICE_S3_FORCE_PATH_STYLE === 'true', ...LEAN_CHECKSUMS })));
}

/**
 * Checksums only where S3 requires one (DeleteObjects), and none validated on GETs unless
 * required: every segment batch carries its own CRC-32C, which fetch and compaction check
 * (or the reader does), and TLS guards the bytes in flight. The SDK's defaults would hash
 * every 1 MiB segment twice more (a CRC32 checksum, and SHA-256 for the signature).
 */
export const LEAN_CHECKSUMS = { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } as const;

/**
 * PutObject signed with `x-amz-content-sha256: UNSIGNED-PAYLOAD`, which S3 accepts over
 * HTTPS: the signer then does not SHA-256 the body. That was about 1.5-2 ms of CPU per
 * 1 MiB produce call (with LEAN_CHECKSUMS), a third of the PUT's own CPU in the SDK.
 */
export function withLeanSegmentPuts(client: S3Client): S3Client {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (context.commandName === 'PutObjectCommand' && request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'sluiceUnsignedSegmentPayload' },
  );
  return client;
}

/** For push deliveries to Lambda targets. */
export function createLambdaClient(env: NodeJS.ProcessEnv = process.env): LambdaClient {
  return captureClient(new LambdaClient({ region: regionFrom(env) }));
}

function regionFrom(env: NodeJS.ProcessEnv): string {
  return env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
}
