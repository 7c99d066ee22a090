import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Everything the domain code needs from the outside world, passed in so tests can
 * control clocks, ids and randomness and point the clients at emulators.
 */
export interface SluiceContext {
  readonly ddb: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly tables: { readonly topics: string; readonly log: string; readonly producers: string; readonly groups: string; readonly access: string };
  readonly bucket: string;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** A fresh unique id (a UUID in production). */
  readonly newId: () => string;
  /** A float in [0, 1). */
  readonly random: () => number;
  /** Waits; injected so retry loops can be tested without real delays. */
  readonly sleep: (ms: number) => Promise<void>;
}
