import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { countsOf, RequestCounter } from '../../../lib/cost/request-accounting';
import { commitBatches, commitConflictRate, type PendingBatch } from '../../../lib/log/commit-batches';
import { readCommitState } from '../../../lib/log/commit-state';
import { produce } from '../../../lib/log/produce';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { createDynamoDocumentClient, createS3Client } from '../../../lib/store/aws-clients';
import { createTopic } from '../../../lib/topics/topic-service';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * Commits that lose a race on a partition's head, against DynamoDB Local: each retry
 * reads the state once, and waits longer the more this container's attempts conflict.
 * Requests are counted on this test's own clients.
 */
let env: TestPlatform;
let ctx: SluiceContext;
let counter: RequestCounter;

before(async () => {
  env = await startTestPlatform();
  const shared = contextFromEnv();
  ctx = { ...shared, tables: shared.tables, bucket: shared.bucket, ddb: createDynamoDocumentClient(process.env), s3: createS3Client(process.env) };
  counter = new RequestCounter().attach(ctx.ddb).attach(ctx.s3);
});

after(async () => {
  await env?.stop();
});

const batch: PendingBatch = { partition: 0, recordCount: 1, byteStart: 0, byteLength: 10, firstTimestamp: 1, maxTimestamp: 1 };

describe('contended commits', () => {
  it('a commit built on a stale head is cancelled once, re-reads once, commits, and raises the conflict rate the next wait is drawn from', async () => {
    // The clock moves only when a transaction is sent, by 100 ms: every attempt takes 100 ms.
    let now = Date.now();
    const ddb = Object.create(ctx.ddb) as typeof ctx.ddb;
    ddb.send = (async (command: unknown) => {
      try {
        return await ctx.ddb.send(command as never);
      } finally {
        if ((command as object).constructor.name === 'TransactWriteCommand') now += 100;
      }
    }) as typeof ctx.ddb.send;
    const waits: number[] = [];
    const fixed: SluiceContext = { ...ctx, tables: ctx.tables, bucket: ctx.bucket, ddb, now: () => now, random: () => 0.999, sleep: async (ms) => void waits.push(ms) };
    const topic = await createTopic(fixed, { name: 'stale-head', partitions: 1, config: {} });
    const stale = await readCommitState(fixed, topic.topicId, [0]);
    await commitBatches(fixed, topic, 'seg/stale-head-1', [batch], now); // another writer moves the head
    assert.equal(commitConflictRate(now), 0);
    const waited = now;
    const before = counter.snapshot();
    const result = await commitBatches(fixed, topic, 'seg/stale-head-2', [batch], now, {}, stale);
    const requests = counter.diff(before, counter.snapshot());
    assert.deepEqual([...result.baseOffsets], [[0, 1]]);
    assert.equal(countsOf(requests, 'DynamoDB', 'TransactWriteItems').requests, 2);
    assert.equal(countsOf(requests, 'DynamoDB', 'BatchGetItem').requests, 1);
    // After the conflict the rate is 0.2 (weight 0.2): 1 / (1 - 0.2) = 1.25 contenders, so the
    // wait's bound is 1.25 attempt durations of 100 ms.
    assert.equal(waits.length, 1);
    assert.equal(waits[0], Math.floor(0.999 * 125));
    assert.ok(commitConflictRate(now) > 0 && waited < now);
  });

  it('8 producers on one partition: every call commits, offsets are gapless, and each transaction sent was built on one state read', async () => {
    await createTopic(ctx, { name: 'contended', partitions: 1, config: {} });
    const producers = 8;
    const calls = 3;
    const before = counter.snapshot();
    const offsets = (
      await Promise.all(
        Array.from({ length: producers }, async (_, p) => {
          const mine: number[] = [];
          for (let c = 0; c < calls; c++) {
            const answer = await produce(ctx, 'contended', [{ key: null, value: Buffer.from(`p${p}c${c}`), headers: [], partition: 0 }]);
            mine.push(answer.records[0]!.offset);
          }
          return mine;
        }),
      )
    ).flat();
    const requests = counter.diff(before, counter.snapshot());
    assert.deepEqual(offsets.sort((a, b) => a - b), Array.from({ length: producers * calls }, (_, i) => i));
    const transactions = countsOf(requests, 'DynamoDB', 'TransactWriteItems').requests;
    // The first read of each call overlaps its PUT; each retry reads once: one read per transaction.
    assert.equal(countsOf(requests, 'DynamoDB', 'BatchGetItem').requests, transactions);
    assert.equal(countsOf(requests, 'S3', 'PutObject').requests, producers * calls);
  });
});
