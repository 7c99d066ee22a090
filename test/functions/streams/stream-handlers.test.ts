import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { handler as cleanupDeletedTopic } from '../../../functions/streams/cleanup-deleted-topic';
import { handler as coordinateGroups } from '../../../functions/streams/coordinate-groups';
import { handler as dispatchDeliveries } from '../../../functions/streams/dispatch-deliveries';
import { logger } from '../../../functions/middleware/observability';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * The stream handlers called as Lambda calls them, against the local platform's
 * storage: what each reports in its partial batch response. A name longer than
 * DynamoDB's 2,048-byte partition key makes a group's storage calls fail.
 */
let test: TestPlatform;
const logged: { message: unknown; fields: any }[] = [];
const TOO_LONG = 'x'.repeat(3000);
const context = { awsRequestId: 'req-1', functionName: 'sluice-test', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

before(async () => {
  test = await startTestPlatform();
  for (const level of ['info', 'warn', 'error'] as const) logger[level] = ((message: unknown, fields?: unknown) => void logged.push({ message, fields })) as typeof logger.info;
});

after(async () => {
  await test?.stop();
});

let sequence = 0;
function record(eventName: DynamoDBRecord['eventName'], dynamodb: Omit<NonNullable<DynamoDBRecord['dynamodb']>, 'SequenceNumber'>): DynamoDBRecord {
  return { eventName, dynamodb: { ...dynamodb, SequenceNumber: String(++sequence).padStart(21, '0') } } as DynamoDBRecord;
}
const member = (group: string, id: string) => record('INSERT', { Keys: { pk: { S: `group#${group}` }, sk: { S: `member#${id}` } } });
const removedTopic = (topicId: string) =>
  record('REMOVE', { Keys: { name: { S: `t-${topicId.slice(0, 8)}` } }, OldImage: { name: { S: `t-${topicId.slice(0, 8)}` }, topicId: { S: topicId }, partitions: { N: '2' }, createdAt: { N: '1' } } });
const batch = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });
const sequenceNumbers = (...records: DynamoDBRecord[]) => records.map((r) => ({ itemIdentifier: r.dynamodb!.SequenceNumber! }));

describe('coordinate-groups', () => {
  it('rebalances each touched group once per batch and reports no failure when all succeeded', async () => {
    logged.length = 0;
    const result = await coordinateGroups(batch(member('g-ok', 'a'), member('g-ok', 'b'), member('g-other', 'c')), context);
    assert.deepEqual(result, { batchItemFailures: [] });
    assert.deepEqual(logged.filter((l) => l.message === 'rebalance').map((l) => l.fields.group), ['g-ok', 'g-other']);
  });

  it('fails every record of a group whose rebalance failed, and only those', async () => {
    const bad = [member(TOO_LONG, 'a'), member(TOO_LONG, 'b')];
    const result = await coordinateGroups(batch(member('g-ok', 'a'), bad[0]!, member('g-other', 'c'), bad[1]!), context);
    assert.deepEqual(result, { batchItemFailures: sequenceNumbers(...bad) });
  });

  it('reports every record when every group failed, instead of throwing', async () => {
    const bad = [member(TOO_LONG, 'a'), member(TOO_LONG, 'b')];
    assert.deepEqual(await coordinateGroups(batch(...bad), context), { batchItemFailures: sequenceNumbers(...bad) });
  });

  it('ignores records outside any group', async () => {
    const registry = record('INSERT', { Keys: { pk: { S: 'topicgroups#t' }, sk: { S: 'member#x' } } });
    assert.deepEqual(await coordinateGroups(batch(registry), context), { batchItemFailures: [] });
  });
});

describe('cleanup-deleted-topic', () => {
  it('fails only the record whose topic data could not be deleted, and skips records that are not removals', async () => {
    const good = removedTopic('0d4c1c8e-0000-4000-8000-000000000001');
    // An image that is not DynamoDB JSON cannot name a topic: that record fails alone.
    const bad = record('REMOVE', { Keys: { name: { S: 'bad' } }, OldImage: { name: { S: 'bad' }, topicId: { X: 'not a type' } as never } });
    const insert = record('INSERT', { Keys: { name: { S: 'new' } }, NewImage: { name: { S: 'new' } } });
    assert.deepEqual(await cleanupDeletedTopic(batch(good, bad, insert), context), { batchItemFailures: sequenceNumbers(bad) });
    assert.deepEqual(await cleanupDeletedTopic(batch(good, insert), context), { batchItemFailures: [] });
  });
});

describe('dispatch-deliveries', () => {
  it('never reports a failed record, whether or not partitions moved', async () => {
    const moved = record('MODIFY', { Keys: { pk: { S: 'x' }, sk: { S: 'head' } }, OldImage: { nextOffset: { N: '1' } }, NewImage: { topic: { S: 'no-subscribers' }, partition: { N: '0' }, nextOffset: { N: '2' } } });
    const still = record('MODIFY', { Keys: { pk: { S: 'y' }, sk: { S: 'head' } }, OldImage: { nextOffset: { N: '2' } }, NewImage: { topic: { S: 'no-subscribers' }, partition: { N: '1' }, nextOffset: { N: '2' } } });
    assert.deepEqual(await dispatchDeliveries(batch(moved, still), context), { batchItemFailures: [] });
    assert.deepEqual(await dispatchDeliveries(batch(still), context), { batchItemFailures: [] });
  });
});
