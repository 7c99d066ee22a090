import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { BatchWriteCommand, DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { compactLog } from '../../lib/compaction/compact-log';
import { DEFAULT_COMPACTION_LIMITS } from '../../lib/compaction/compact-partition';
import type { SluiceContext } from '../../lib/core/context';
import { fetchRecords } from '../../lib/log/fetch-records';
import { clearIndexPageCache } from '../../lib/log/index-page-cache';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { call, startTestPlatform, type TestPlatform } from '../support/local-platform';

/**
 * A reproduction of what the compacted safety workload found (compaction-skip after an
 * OFFSET_OUT_OF_RANGE refusal), not part of `npm test` (not named *.test.ts). It failed at
 * d0640ed, whose lib/log/fetch-records.ts took a covered index item whose object is gone for
 * a hole; it passes since f4dec97, whose fetch looks for an item holding its offset first
 * (test/lib/compaction/compaction-bugs.test.ts has the same case on the in-memory double).
 *
 *   node --openssl-legacy-provider --import tsx --test test/safety/repro-compaction-fetch-hole.ts
 *
 * Compaction merges three one-record batches (offsets 0, 1, 2, three keys: nothing is
 * superseded) into one batch, swaps it in as the item of offset 2 covering 0..2, then releases
 * the two covered items: their ref items, then their objects, then (last) the index items
 * (lib/retention/release-batches.ts). A fetch from offset 0 between the object deletes and the
 * index-item delete reads item 0, finds its object gone, reads the index again from 0 without
 * that object, meets item 1 (base 1 > 0; its object is gone too, but the fetch has not tried it)
 * before the covering item, takes it for a hole retention left, and answers OFFSET_OUT_OF_RANGE
 * with log start 1. lib/client's fetcher then resets to 1 (resetPolicy earliest) and never
 * sees the live record at offset 0; a Kafka consumer is told the same by the gateway.
 */
let env: TestPlatform;
let ctx: SluiceContext;
before(async () => {
  env = await startTestPlatform();
  ctx = contextFromEnv();
});
after(async () => env?.stop());

it("answers a fetch during compaction's release of covered items with the records, not OFFSET_OUT_OF_RANGE", { timeout: 120_000 }, async () => {
  assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'hole', partitions: 1, config: { 'cleanup.policy': 'compact' } })).status, 201);
  for (const key of ['a', 'b', 'c']) assert.equal((await call(env.url, 'POST', '/v1/topics/hole/records', { records: [{ partition: 0, key, value: `${key}1` }] })).status, 200);
  // Hold compaction at the index-item delete of its release, after the covered objects are deleted.
  let paused!: () => void;
  const atDelete = new Promise<void>((resolve) => (paused = resolve));
  let go!: () => void;
  const resume = new Promise<void>((resolve) => (go = resolve));
  const ddb = new Proxy(ctx.ddb, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown, ...rest: unknown[]) => {
        // The covered items' delete: one BatchWriteItem at d0640ed, a conditional DeleteItem each since.
        const deletesItem =
          (command instanceof BatchWriteCommand && JSON.stringify(command.input.RequestItems).includes('"sk":"o#')) ||
          (command instanceof DeleteCommand && String(command.input.Key?.sk).startsWith('o#'));
        if (deletesItem) {
          paused();
          await resume;
        }
        return (target.send as (...args: unknown[]) => Promise<unknown>).call(target, command, ...rest);
      };
    },
  });
  const compaction = compactLog({ ...ctx, ddb }, { topics: ['hole'], force: true, limits: { ...DEFAULT_COMPACTION_LIMITS, mergeMinAgeMs: 0 } });
  await Promise.race([
    atDelete,
    compaction.then(() => {
      throw new Error('compaction finished without deleting a covered index item: the reproduction no longer reaches its window');
    }),
  ]);
  clearIndexPageCache();
  let answer: unknown;
  try {
    answer = (await fetchRecords(ctx, { topic: 'hole', partition: 0, offset: 0, maxRecords: 100, maxBytes: 1 << 20 })).records.map((r) => r.offset);
  } catch (error) {
    answer = `${(error as Error).name}: ${(error as Error).message}`;
  } finally {
    go();
    await compaction;
  }
  // At d0640ed: 'OffsetOutOfRangeError: Offset 0 is out of range; valid offsets are 1..3 (the high watermark)'
  assert.deepEqual(answer, [0, 1, 2]);
});
