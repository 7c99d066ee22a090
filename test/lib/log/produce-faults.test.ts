import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { incomingRecords } from '../../../lib/records/record-encoding';
import type { SluiceContext } from '../../../lib/core/context';
import { collectOrphanObjects, ORPHAN_GRACE_MS } from '../../../lib/gc/collect-orphan-objects';
import { fetchRecords } from '../../../lib/log/fetch-records';
import { produce } from '../../../lib/log/produce';
import { call, type TestPlatform } from '../../support/local-platform';
import { startPlatformContext } from '../../support/platform-context';

/**
 * Crashes injected into the real produce path, against DynamoDB Local and s3rver. The
 * SDK clients are real; only the one command the fault stands for is replaced.
 */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  ({ env, ctx } = await startPlatformContext());
});

after(async () => {
  await env?.stop();
});

class SimulatedCrash extends Error {}

/** The context of a produce call that dies when it reaches the commit. */
function crashingAtCommit(base: SluiceContext): SluiceContext {
  const ddb = new Proxy(base.ddb, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: unknown, ...rest: unknown[]) => {
        if (command instanceof TransactWriteCommand) return Promise.reject(new SimulatedCrash('process died before the commit'));
        return (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      };
    },
  });
  return { ...base, ddb };
}

const records = (values: string[]) => incomingRecords({ encoding: 'utf8', records: values.map((value) => ({ value, partition: 0 })) });

async function segmentKeys(): Promise<string[]> {
  const listed = await ctx.s3.send(new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: 'seg/' }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

describe('a producer that crashes between the S3 write and the commit', () => {
  it('leaves no visible record, and the orphan collector deletes its object after the grace period', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'crashy' });
    await produce(ctx, 'crashy', records(['committed']));
    const committedObjects = await segmentKeys();

    await assert.rejects(produce(crashingAtCommit(ctx), 'crashy', records(['never acknowledged'])), SimulatedCrash);
    const afterCrash = await segmentKeys();
    assert.equal(afterCrash.length, committedObjects.length + 1, 'the object was written before the crash');

    const read = await fetchRecords(ctx, { topic: 'crashy', partition: 0, maxRecords: 100, maxBytes: 1 << 20 });
    assert.equal(read.highWatermark, 1);
    assert.deepEqual(
      read.records.map((r) => Buffer.from(r.value!).toString()),
      ['committed'],
    );

    const early = await collectOrphanObjects({ ...ctx, now: () => Date.now() + 60_000 });
    assert.deepEqual(early.deleted, [], 'a young object may still be committed: kept');
    const late = await collectOrphanObjects({ ...ctx, now: () => Date.now() + ORPHAN_GRACE_MS + 60_000 });
    assert.equal(late.deleted.length, 1);
    assert.deepEqual(await segmentKeys(), committedObjects);
    const reread = await fetchRecords(ctx, { topic: 'crashy', partition: 0, maxRecords: 100, maxBytes: 1 << 20 });
    assert.equal(reread.records.length, 1, 'the committed record is still readable');
  });

  it('deletes the object at once when the commit is known not to have happened (topic deleted meanwhile)', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'vanishing' });
    const before = await segmentKeys();
    const deletingTopicFirst: SluiceContext = {
      ...ctx,
      ddb: new Proxy(ctx.ddb, {
        get(target, property, receiver) {
          if (property !== 'send') return Reflect.get(target, property, receiver);
          return async (command: unknown, ...rest: unknown[]) => {
            if (command instanceof TransactWriteCommand) await call(env.url, 'DELETE', '/v1/topics/vanishing');
            return (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
          };
        },
      }),
    };
    await assert.rejects(produce(deletingTopicFirst, 'vanishing', records(['x'])), (e: unknown) => (e as { code?: string }).code === 'TOPIC_NOT_FOUND');
    assert.deepEqual(await segmentKeys(), before);
  });
});

describe('a commit retried with a fresh request token after it landed', () => {
  it('answers COMMIT_OUTCOME_UNKNOWN and keeps the object its first attempt committed', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'token-lost' });
    // What an SDK retry without the idempotency token would do: the first attempt lands, its
    // answer is lost, and a second copy with a new token is what the caller hears about.
    const landedTwice: SluiceContext = {
      ...ctx,
      ddb: new Proxy(ctx.ddb, {
        get(target, property, receiver) {
          if (property !== 'send') return Reflect.get(target, property, receiver);
          return async (command: unknown, ...rest: unknown[]) => {
            const send = (target.send as (...args: unknown[]) => Promise<unknown>).bind(target);
            if (!(command instanceof TransactWriteCommand)) return send(command, ...rest);
            await send(command, ...rest);
            return send(new TransactWriteCommand({ ...command.input, ClientRequestToken: `retry-${Date.now()}` }), ...rest);
          };
        },
      }),
    };
    await assert.rejects(produce(landedTwice, 'token-lost', records(['landed'])), (e: unknown) => (e as { code?: string }).code === 'COMMIT_OUTCOME_UNKNOWN');
    const read = await fetchRecords(ctx, { topic: 'token-lost', partition: 0, maxRecords: 10, maxBytes: 1 << 20 });
    assert.deepEqual(
      read.records.map((r) => Buffer.from(r.value!).toString()),
      ['landed'],
      'the committed record stays readable: its object was not deleted',
    );
  });
});

describe('a producer that crashes after the commit, before the reply', () => {
  it('gets the original offsets when it retries idempotently', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'lost-reply' });
    const { body: producer } = await call(env.url, 'POST', '/v1/producers');
    const options = { producer: { id: producer.producerId, epoch: producer.epoch, sequences: { '0': 0 } } };
    const original = await produce(ctx, 'lost-reply', records(['a', 'b']), options); // the reply that was lost
    const retried = await produce(ctx, 'lost-reply', records(['a', 'b']), options);
    assert.equal(retried.duplicate, true);
    assert.deepEqual(retried.records, original.records);
    const read = await fetchRecords(ctx, { topic: 'lost-reply', partition: 0, maxRecords: 100, maxBytes: 1 << 20 });
    assert.equal(read.records.length, 2);
  });
});
