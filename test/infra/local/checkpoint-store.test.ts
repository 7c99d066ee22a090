import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { checkpointKey, FileCheckpointStore, MemoryCheckpointStore } from '../../../infra/local/checkpoint-store';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../../../infra/local/emulators/dynamodb-local';
import { StreamTrigger } from '../../../infra/local/stream-trigger';
import { eventually } from '../../support/eventually';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-checkpoints-'));
  dirs.push(dir);
  return dir;
}

describe('checkpointKey', () => {
  test('differs by function, stream and shard', () => {
    const keys = new Set([
      checkpointKey('f', 'arn:stream/1', 'shard-1'),
      checkpointKey('g', 'arn:stream/1', 'shard-1'),
      checkpointKey('f', 'arn:stream/2', 'shard-1'),
      checkpointKey('f', 'arn:stream/1', 'shard-2'),
    ]);
    assert.equal(keys.size, 4);
  });
});

describe('MemoryCheckpointStore', () => {
  test('returns the last sequence number set for a key', () => {
    const store = new MemoryCheckpointStore();
    assert.equal(store.get('k'), undefined);
    store.set('k', '001');
    store.set('k', '002');
    assert.equal(store.get('k'), '002');
  });
});

describe('FileCheckpointStore', () => {
  test('a new store on the same path sees the checkpoints flushed before', async () => {
    const path = join(tempDir(), 'checkpoints.json');
    const store = new FileCheckpointStore(path);
    store.set('k', '000000000000000000042');
    await store.flush();
    assert.equal(new FileCheckpointStore(path).get('k'), '000000000000000000042');
  });

  test('set leaves the disk alone; the checkpoints reach it together within the flush delay', async () => {
    const path = join(tempDir(), 'checkpoints.json');
    const store = new FileCheckpointStore(path, 20);
    store.set('a', '1');
    store.set('b', '2');
    assert.equal(store.get('b'), '2');
    assert.equal(existsSync(path), false);
    await eventually(async () => existsSync(path), 'the checkpoint file is written');
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { version: 1, checkpoints: { a: '1', b: '2' } });
  });

  test('creates missing directories and leaves no temporary file behind', async () => {
    const dir = tempDir();
    const path = join(dir, 'nested', 'checkpoints.json');
    const store = new FileCheckpointStore(path);
    store.set('a', '1');
    store.set('b', '2');
    await store.flush();
    assert.deepEqual(readdirSync(join(dir, 'nested')), ['checkpoints.json']);
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { version: 1, checkpoints: { a: '1', b: '2' } });
  });

  test('stores sharing a path keep each other\'s checkpoints', async () => {
    const path = join(tempDir(), 'checkpoints.json');
    const one = new FileCheckpointStore(path);
    const two = new FileCheckpointStore(path);
    one.set('one', '1');
    await one.flush();
    two.set('two', '2');
    await two.flush();
    const reopened = new FileCheckpointStore(path);
    assert.equal(reopened.get('one'), '1');
    assert.equal(reopened.get('two'), '2');
  });

  test('a corrupt file is reported with its path instead of being silently ignored', () => {
    const path = join(tempDir(), 'checkpoints.json');
    writeFileSync(path, '{"checkpoints": {');
    assert.throws(() => new FileCheckpointStore(path), (error: Error) => error.message.includes(path));
  });
});

describe('FileCheckpointStore with a StreamTrigger', () => {
  let emulator: RunningDynamoDbLocal;
  let dynamodb: DynamoDBClient;
  let streams: DynamoDBStreamsClient;

  before(async () => {
    emulator = await startDynamoDbLocal({ port: 0 });
    const config = { endpoint: emulator.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
    dynamodb = new DynamoDBClient(config);
    streams = new DynamoDBStreamsClient(config);
  });

  after(async () => {
    dynamodb?.destroy();
    streams?.destroy();
    await emulator?.stop();
  });

  test('a new trigger over the same checkpoint file does not redeliver what was processed', async () => {
    const table = 'checkpoint-restart-test';
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    const put = async (...pks: string[]) => {
      for (const pk of pks) await dynamodb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk } } }));
    };
    const path = join(tempDir(), 'checkpoints.json');
    const run = async (): Promise<(string | undefined)[]> => {
      const delivered: (string | undefined)[] = [];
      const trigger = new StreamTrigger({
        functionName: 'restart-test',
        spec: {
          table: 'Topics',
          batchSize: 2,
          maxBatchingWindowSeconds: 0,
          startingPosition: 'TRIM_HORIZON',
          retryAttempts: 0,
          bisectBatchOnError: false,
          maxRecordAgeSeconds: 3600,
          reportBatchItemFailures: false,
        },
        tableName: table,
        handler: async (event: DynamoDBStreamEvent) => void delivered.push(...event.Records.map((r) => r.dynamodb?.Keys?.pk?.S)),
        dynamodb,
        streams,
        checkpoints: new FileCheckpointStore(path),
        onFailure: () => assert.fail('nothing should fail'),
        log: () => undefined,
        pollIntervalMs: 10,
      });
      trigger.start();
      try {
        await trigger.drain();
      } finally {
        await trigger.stop();
      }
      return delivered;
    };

    await put('a', 'b', 'c');
    assert.deepEqual(await run(), ['a', 'b', 'c']);
    await put('d', 'e');
    assert.deepEqual(await run(), ['d', 'e']);
    assert.deepEqual(await run(), []);
  });
});
