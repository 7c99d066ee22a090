import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { CreateTableCommand, DeleteItemCommand, DynamoDBClient, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { StreamTriggerSpec } from '../../../infra/platform-spec';
import { MemoryCheckpointStore } from '../../../infra/local/checkpoint-store';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../../../infra/local/emulators/dynamodb-local';
import { matchesPattern, StreamTrigger, type StreamFailure, type StreamTriggerOptions } from '../../../infra/local/stream-trigger';

const REGION = 'eu-west-1';
const BASE_SPEC: StreamTriggerSpec = {
  table: 'Topics',
  batchSize: 10,
  maxBatchingWindowSeconds: 0,
  startingPosition: 'TRIM_HORIZON',
  retryAttempts: 2,
  bisectBatchOnError: false,
  maxRecordAgeSeconds: 3600,
  reportBatchItemFailures: false,
};

let emulator: RunningDynamoDbLocal;
let dynamodb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let tables = 0;

before(async () => {
  emulator = await startDynamoDbLocal({ port: 0 });
  const config = { endpoint: emulator.endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  dynamodb = new DynamoDBClient(config);
  streams = new DynamoDBStreamsClient(config);
});

after(async () => {
  dynamodb?.destroy();
  streams?.destroy();
  await emulator?.stop();
});

async function createTable(): Promise<string> {
  const name = `stream-trigger-test-${++tables}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  return name;
}

async function put(table: string, ...pks: string[]): Promise<void> {
  for (const pk of pks) await dynamodb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk } } }));
}

async function remove(table: string, ...pks: string[]): Promise<void> {
  for (const pk of pks) await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: pk } } }));
}

const keys = (records: readonly DynamoDBRecord[]) => records.map((r) => r.dynamodb?.Keys?.pk?.S);

/** Remembers every checkpoint written; the test tables have a single shard. */
class RecordingCheckpointStore extends MemoryCheckpointStore {
  readonly written: { key: string; sequenceNumber: string }[] = [];

  override set(key: string, sequenceNumber: string): void {
    super.set(key, sequenceNumber);
    this.written.push({ key, sequenceNumber });
  }

  latest(): string | undefined {
    return this.written.at(-1)?.sequenceNumber;
  }
}

interface Harness {
  trigger: StreamTrigger;
  checkpoints: RecordingCheckpointStore;
  failures: StreamFailure[];
  logs: string[];
}

/** A started trigger on `table`, stopped when the test ends. */
function startTrigger(
  t: TestContext,
  table: string,
  spec: Partial<StreamTriggerSpec>,
  handler: StreamTriggerOptions['handler'],
  options: Partial<StreamTriggerOptions> = {},
): Harness {
  const checkpoints = new RecordingCheckpointStore();
  const failures: StreamFailure[] = [];
  const logs: string[] = [];
  const trigger = new StreamTrigger({
    functionName: 'test-function',
    spec: { ...BASE_SPEC, ...spec },
    tableName: table,
    handler,
    dynamodb,
    streams,
    checkpoints,
    onFailure: (failure) => void failures.push(failure),
    log: (line) => logs.push(line),
    pollIntervalMs: 10,
    retryDelayMs: () => 10,
    ...options,
  });
  trigger.start();
  t.after(() => trigger.stop());
  return { trigger, checkpoints, failures, logs };
}

describe('StreamTrigger', () => {
  test('delivers records in stream order, in batches no larger than batchSize', async (t) => {
    const table = await createTable();
    const written = Array.from({ length: 10 }, (_, i) => `item-${i}`);
    await put(table, ...written);
    const batches: DynamoDBRecord[][] = [];
    const h = startTrigger(t, table, { batchSize: 3 }, async (event) => void batches.push(event.Records));

    await h.trigger.drain();

    assert.ok(batches.length >= 4, `expected at least 4 batches, got ${batches.length}`);
    for (const batch of batches) assert.ok(batch.length >= 1 && batch.length <= 3, `batch of ${batch.length}`);
    assert.deepEqual(keys(batches.flat()), written);
  });

  test('delivers records shaped as Lambda delivers them', async (t) => {
    const table = await createTable();
    const item: Record<string, AttributeValue> = { pk: { S: 'a' }, data: { B: new Uint8Array([1, 2, 3]) }, n: { N: '7' }, tags: { L: [{ B: new Uint8Array([255]) }] } };
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: item }));
    const events: { event: DynamoDBStreamEvent; context: Context }[] = [];
    const h = startTrigger(t, table, {}, async (event, context) => void events.push({ event, context }));

    await h.trigger.drain();

    assert.equal(events.length, 1);
    const { event, context } = events[0]!;
    const record = event.Records[0]!;
    assert.equal(record.eventName, 'INSERT');
    assert.equal(record.eventVersion, '1.1');
    assert.equal(record.eventSource, 'aws:dynamodb');
    assert.equal(record.awsRegion, REGION);
    assert.match(record.eventSourceARN ?? '', new RegExp(`table/${table}/stream/`));
    assert.equal(typeof record.eventID, 'string');
    const created = record.dynamodb?.ApproximateCreationDateTime;
    assert.equal(typeof created, 'number');
    assert.ok(Math.abs(created! - Date.now() / 1000) < 120, `ApproximateCreationDateTime ${created} should be epoch seconds`);
    assert.deepEqual(record.dynamodb?.Keys, { pk: { S: 'a' } });
    assert.deepEqual(record.dynamodb?.NewImage, { pk: { S: 'a' }, data: { B: 'AQID' }, n: { N: '7' }, tags: { L: [{ B: '/w==' }] } });
    assert.equal(record.dynamodb?.OldImage, undefined);
    assert.equal(record.dynamodb?.StreamViewType, 'NEW_AND_OLD_IMAGES');
    assert.equal(typeof record.dynamodb?.SequenceNumber, 'string');
    assert.equal(typeof record.dynamodb?.SizeBytes, 'number');
    assert.equal(context.functionName, 'test-function');
    assert.equal(typeof context.awsRequestId, 'string');
    const remaining = context.getRemainingTimeInMillis();
    assert.ok(remaining > 0 && remaining <= 3000, `remaining time ${remaining} ms within the default 3 s timeout`);
  });

  test('startingPosition LATEST skips what was in the stream before the trigger started', async (t) => {
    const table = await createTable();
    await put(table, 'before');
    const delivered: DynamoDBRecord[] = [];
    const h = startTrigger(t, table, { startingPosition: 'LATEST' }, async (event) => void delivered.push(...event.Records));
    await h.trigger.drain();

    await put(table, 'after');
    await h.trigger.drain();

    assert.deepEqual(keys(delivered), ['after']);
  });

  test('a filter pattern on eventName REMOVE delivers only removals, and skipped records count as processed', async (t) => {
    const table = await createTable();
    await put(table, 'a', 'b', 'c');
    await remove(table, 'a', 'c');
    await put(table, 'd');
    const delivered: DynamoDBRecord[] = [];
    const h = startTrigger(t, table, { filterPatterns: [{ eventName: ['REMOVE'] }] }, async (event) => void delivered.push(...event.Records));

    await h.trigger.drain();

    assert.deepEqual(
      delivered.map((r) => [r.eventName, r.dynamodb?.Keys?.pk?.S]),
      [
        ['REMOVE', 'a'],
        ['REMOVE', 'c'],
      ],
    );
    // The trailing INSERT of 'd' was read and skipped: the checkpoint is past the last removal.
    const checkpoint = h.checkpoints.latest();
    assert.ok(checkpoint !== undefined && BigInt(checkpoint) > BigInt(delivered.at(-1)!.dynamodb!.SequenceNumber!));
  });

  test('a failing batch is delivered again, same records in the same order, and the checkpoint moves only after success', async (t) => {
    const table = await createTable();
    await put(table, 'a', 'b', 'c', 'd');
    const calls: { keys: (string | undefined)[]; checkpoint: string | undefined }[] = [];
    let lastBatch: DynamoDBRecord[] = [];
    const h = startTrigger(t, table, { retryAttempts: 5 }, async (event) => {
      calls.push({ keys: keys(event.Records), checkpoint: h.checkpoints.latest() });
      if (calls.length <= 2) throw new Error(`failure ${calls.length}`);
      lastBatch = event.Records;
    });

    await h.trigger.drain();

    assert.deepEqual(calls, [
      { keys: ['a', 'b', 'c', 'd'], checkpoint: undefined },
      { keys: ['a', 'b', 'c', 'd'], checkpoint: undefined },
      { keys: ['a', 'b', 'c', 'd'], checkpoint: undefined },
    ]);
    assert.deepEqual(
      h.checkpoints.written.map((w) => w.sequenceNumber),
      [lastBatch.at(-1)?.dynamodb?.SequenceNumber],
    );
    assert.equal(h.failures.length, 0);
  });

  test('with bisectBatchOnError a poison record ends in onFailure while the rest of its batch is delivered', async (t) => {
    const table = await createTable();
    const written = ['a', 'b', 'c', 'd', 'poison', 'f', 'g', 'h'];
    await put(table, ...written);
    const succeeded: DynamoDBRecord[] = [];
    const h = startTrigger(t, table, { bisectBatchOnError: true, retryAttempts: 2 }, async (event) => {
      if (keys(event.Records).includes('poison')) throw new Error('cannot handle poison');
      succeeded.push(...event.Records);
    });

    await h.trigger.drain();

    assert.deepEqual(keys(succeeded), ['a', 'b', 'c', 'd', 'f', 'g', 'h']);
    assert.equal(h.failures.length, 1);
    const failure = h.failures[0]!;
    assert.deepEqual(keys(failure.records), ['poison']);
    assert.equal(failure.reason, 'RetryAttemptsExhausted');
    assert.match(failure.error, /cannot handle poison/);
    assert.equal(failure.firstSequenceNumber, failure.records[0]!.dynamodb!.SequenceNumber);
    assert.equal(failure.lastSequenceNumber, failure.firstSequenceNumber);
    // Sent in batches of 8, 4 and 2 (splitting is not a retry), then alone: 1 attempt + 2 retries.
    assert.equal(failure.attempts, 6);
  });

  test('without bisect, a batch whose retries run out goes to onFailure whole and the shard moves on', async (t) => {
    const table = await createTable();
    await put(table, 'a', 'poison', 'c');
    const calls: (string | undefined)[][] = [];
    const h = startTrigger(t, table, { batchSize: 2, retryAttempts: 1 }, async (event) => {
      calls.push(keys(event.Records));
      if (keys(event.Records).includes('poison')) throw new Error('cannot handle poison');
    });

    await h.trigger.drain();

    assert.deepEqual(calls, [['a', 'poison'], ['a', 'poison'], ['c']]);
    assert.deepEqual(
      h.failures.map((f) => [keys(f.records), f.attempts]),
      [[['a', 'poison'], 2]],
    );
  });

  test('batchItemFailures: the records before the reported one are done and the retry starts at it', async (t) => {
    const table = await createTable();
    await put(table, 'a', 'b', 'c', 'd', 'e');
    const calls: { keys: (string | undefined)[]; checkpoint: string | undefined }[] = [];
    let firstBatch: DynamoDBRecord[] = [];
    const h = startTrigger(t, table, { reportBatchItemFailures: true }, async (event) => {
      calls.push({ keys: keys(event.Records), checkpoint: h.checkpoints.latest() });
      if (calls.length > 1) return { batchItemFailures: [] };
      firstBatch = event.Records;
      // Two failures reported: the lowest sequence number wins.
      return { batchItemFailures: [{ itemIdentifier: event.Records[3]!.dynamodb!.SequenceNumber }, { itemIdentifier: event.Records[2]!.dynamodb!.SequenceNumber }] };
    });

    await h.trigger.drain();

    assert.deepEqual(calls, [
      { keys: ['a', 'b', 'c', 'd', 'e'], checkpoint: undefined },
      { keys: ['c', 'd', 'e'], checkpoint: firstBatch[1]!.dynamodb!.SequenceNumber },
    ]);
  });

  test('batchItemFailures naming a record not in the batch fails the whole batch', async (t) => {
    const table = await createTable();
    await put(table, 'a', 'b');
    const calls: (string | undefined)[][] = [];
    const h = startTrigger(t, table, { reportBatchItemFailures: true }, async (event) => {
      calls.push(keys(event.Records));
      return calls.length === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-a-sequence-number' }] } : {};
    });

    await h.trigger.drain();

    assert.deepEqual(calls, [
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });

  test('records older than maxRecordAgeSeconds are not retried but sent to onFailure', async (t) => {
    const table = await createTable();
    await put(table, 'a');
    let calls = 0;
    const twoHoursLater = () => Date.now() + 2 * 3600 * 1000;
    const h = startTrigger(
      t,
      table,
      { maxRecordAgeSeconds: 3600, retryAttempts: 5 },
      async () => {
        calls++;
        throw new Error('boom');
      },
      { now: twoHoursLater },
    );

    await h.trigger.drain();

    assert.equal(calls, 1);
    assert.deepEqual(
      h.failures.map((f) => [f.reason, keys(f.records)]),
      [['MaximumRecordAgeExceeded', ['a']]],
    );
  });

  test('maxBatchingWindowSeconds gathers records written one by one into one batch', async (t) => {
    const table = await createTable();
    const batches: (string | undefined)[][] = [];
    let clock = Date.now();
    const h = startTrigger(t, table, { maxBatchingWindowSeconds: 2, batchSize: 10 }, async (event) => void batches.push(keys(event.Records)), {
      now: () => clock,
    });
    await h.trigger.drain(); // the shard is being polled and the window is open

    for (const pk of ['a', 'b', 'c', 'd']) {
      await put(table, pk);
      await new Promise((resolve) => setTimeout(resolve, 30)); // several poll intervals apart
    }
    assert.deepEqual(batches, [], 'nothing is delivered while the window is open');
    clock += 2000;
    await h.trigger.drain();

    assert.deepEqual(batches, [['a', 'b', 'c', 'd']]);
  });

  test('stop() waits for the in-flight invocation and its checkpoint', async (t) => {
    const table = await createTable();
    await put(table, 'a');
    let release!: () => void;
    let entered!: () => void;
    const invoked = new Promise<void>((resolve) => (entered = resolve));
    let sequenceNumber: string | undefined;
    const h = startTrigger(t, table, {}, async (event) => {
      sequenceNumber = event.Records[0]!.dynamodb!.SequenceNumber;
      entered();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await invoked;

    let stopped = false;
    const stopping = h.trigger.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(stopped, false);
    release();
    await stopping;

    assert.equal(h.checkpoints.latest(), sequenceNumber);
  });

  test('errors while polling are logged and retried, never thrown', async (t) => {
    const table = `stream-trigger-test-late-${++tables}`;
    const delivered: DynamoDBRecord[] = [];
    const h = startTrigger(t, table, {}, async (event) => void delivered.push(...event.Records));
    await new Promise((resolve) => setTimeout(resolve, 100));

    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    await put(table, 'a');
    await h.trigger.drain();

    assert.ok(h.logs.some((line) => line.includes('cannot read the stream')));
    assert.deepEqual(keys(delivered), ['a']);
  });

  test('a record delivered to a handler that mutates it is delivered fresh on retry', async (t) => {
    const table = await createTable();
    await put(table, 'a');
    const seen: (string | undefined)[] = [];
    const h = startTrigger(t, table, {}, async (event) => {
      seen.push(event.Records[0]!.eventName);
      event.Records[0]!.eventName = 'MODIFY';
      if (seen.length === 1) throw new Error('first attempt fails');
    });

    await h.trigger.drain();

    assert.deepEqual(seen, ['INSERT', 'INSERT']);
  });
});

describe('matchesPattern (Lambda event filtering)', () => {
  const record = { eventName: 'REMOVE', dynamodb: { Keys: { pk: { S: 'topic#orders' } }, OldImage: { pk: { S: 'topic#orders' } } } };

  test('arrays of literals mean "equals one of"', () => {
    assert.equal(matchesPattern({ eventName: ['INSERT', 'REMOVE'] }, record), true);
    assert.equal(matchesPattern({ eventName: ['INSERT'] }, record), false);
  });

  test('nested objects recurse into the record', () => {
    assert.equal(matchesPattern({ dynamodb: { Keys: { pk: { S: [{ prefix: 'topic#' }] } } } }, record), true);
    assert.equal(matchesPattern({ dynamodb: { Keys: { pk: { S: [{ prefix: 'group#' }] } } } }, record), false);
  });

  test('exists tests whether a field is present', () => {
    assert.equal(matchesPattern({ dynamodb: { NewImage: [{ exists: false }] } }, record), true);
    assert.equal(matchesPattern({ dynamodb: { OldImage: [{ exists: true }] } }, record), true);
    assert.equal(matchesPattern({ dynamodb: { NewImage: [{ exists: true }] } }, record), false);
  });

  test('every key of a pattern must match', () => {
    assert.equal(matchesPattern({ eventName: ['REMOVE'], dynamodb: { NewImage: [{ exists: true }] } }, record), false);
  });

  test('an unsupported rule is rejected when the trigger is built', () => {
    assert.throws(
      () =>
        new StreamTrigger({
          functionName: 'test-function',
          spec: { ...BASE_SPEC, filterPatterns: [{ eventName: [{ wildcard: 'RE*' }] }] },
          tableName: 'unused',
          handler: async () => undefined,
          dynamodb,
          streams,
          checkpoints: new MemoryCheckpointStore(),
          onFailure: () => undefined,
        }),
      /unsupported filter rule/,
    );
  });
});
