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
  return captureClient(new S3Client({ region: regionFrom(env), forcePathStyle: overridden || env.SLUICE_S3_FORCE_PATH_STYLE === 'true' }));
}

/** For push deliveries to Lambda targets. */
export function createLambdaClient(env: NodeJS.ProcessEnv = process.env): LambdaClient {
  return captureClient(new LambdaClient({ region: regionFrom(env) }));
}

function regionFrom(env: NodeJS.ProcessEnv): string {
  return env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
}
