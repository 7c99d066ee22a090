import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { GlobalIndexDefinition, KeyAttribute, TableDefinition } from '../../lib/store/tables';
import { StartupError } from './emulators/startup-error';

/** The CreateTable request for a table definition: the same definitions the CDK stack reads. */
export function createTableInput(definition: TableDefinition, tableName: string): CreateTableCommandInput {
  const keys = uniqueByName([
    definition.partitionKey,
    ...(definition.sortKey ? [definition.sortKey] : []),
    ...(definition.localIndexes ?? []).map((i) => i.sortKey),
    ...(definition.globalIndexes ?? []).flatMap((i) => [i.partitionKey, i.sortKey]),
  ]);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
    KeySchema: [
      { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
      ...(definition.sortKey ? [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    ...(definition.localIndexes?.length
      ? {
          LocalSecondaryIndexes: definition.localIndexes.map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: definition.partitionKey.name, KeyType: 'HASH' as const },
              { AttributeName: index.sortKey.name, KeyType: 'RANGE' as const },
            ],
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
    ...(definition.globalIndexes?.length ? { GlobalSecondaryIndexes: definition.globalIndexes.map(globalIndexInput) } : {}),
    ...(definition.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream } } : {}),
  };
}

function globalIndexInput(index: GlobalIndexDefinition): GlobalSecondaryIndex {
  return {
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: index.projection },
  };
}

function uniqueByName(keys: readonly KeyAttribute[]): KeyAttribute[] {
  return [...new Map(keys.map((k) => [k.name, k])).values()];
}

/** Creates the table if it is missing; refuses an existing table whose key schema differs. */
export async function ensureTable(ddb: DynamoDBClient, definition: TableDefinition, tableName: string): Promise<'created' | 'exists'> {
  const wanted = createTableInput(definition, tableName);
  try {
    const existing = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
    const have = JSON.stringify(existing.Table?.KeySchema ?? []);
    if (have !== JSON.stringify(wanted.KeySchema)) {
      throw new StartupError(`Table ${tableName} exists with key schema ${have}, but Sluice needs ${JSON.stringify(wanted.KeySchema)}.`);
    }
    const haveIndexes = (existing.Table?.LocalSecondaryIndexes ?? []).map((i) => i.IndexName).sort();
    const wantIndexes = (definition.localIndexes ?? []).map((i) => i.name).sort();
    if (JSON.stringify(haveIndexes) !== JSON.stringify(wantIndexes)) {
      throw new StartupError(
        `Table ${tableName} has local indexes [${haveIndexes.join(', ')}] but Sluice needs [${wantIndexes.join(', ')}]; local indexes are fixed at creation, so delete the table (locally: the data directory) and start again.`,
      );
    }
    if (definition.stream && !existing.Table?.StreamSpecification?.StreamEnabled) {
      throw new StartupError(`Table ${tableName} exists without a stream; Sluice needs a ${definition.stream} stream on it.`);
    }
    // Unlike local indexes, a global index can be added to a table that has data (a data directory from before it existed).
    const haveGlobal = new Set((existing.Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
    for (const index of definition.globalIndexes ?? []) {
      if (haveGlobal.has(index.name)) continue;
      await ddb.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [index.partitionKey, index.sortKey].map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
          GlobalSecondaryIndexUpdates: [{ Create: globalIndexInput(index) }],
        }),
      );
    }
    return 'exists';
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await ddb.send(new CreateTableCommand(wanted));
  await waitUntilTableExists({ client: ddb, maxWaitTime: 60 }, { TableName: tableName });
  if (definition.timeToLiveAttribute) {
    await ddb.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: definition.timeToLiveAttribute } }),
    );
  }
  return 'created';
}

export async function ensureBucket(s3: S3Client, bucket: string): Promise<'created' | 'exists'> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return 'exists';
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404) throw error;
  }
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return 'created';
}
