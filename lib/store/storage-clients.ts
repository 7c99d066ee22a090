import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoDocumentClient, createS3Client } from './aws-clients';

/**
 * The storage SDK clients a context carries. Named here so that only lib/store spells
 * the SDK's types: the rest of the code passes them through without knowing them.
 */
export interface StorageClients {
  readonly ddb: DynamoDBDocumentClient;
  readonly s3: S3Client;
}

/** The clients of a Lambda container (or a local process), from the standard AWS environment. */
export function storageClientsFromEnv(env: NodeJS.ProcessEnv = process.env): StorageClients {
  return { ddb: createDynamoDocumentClient(env), s3: createS3Client(env) };
}
