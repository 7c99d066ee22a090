import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/core/context';
import { createDynamoDocumentClient } from '../../../lib/store/aws-clients';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { batchDeleteAll, batchGetAll } from '../../../lib/store/batch-operations';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/** The batch helpers against DynamoDB Local; the unprocessed-keys path with a client that answers every key unprocessed. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  env = await startTestPlatform();
  const shared = contextFromEnv();
  ctx = { ...shared, tables: shared.tables, sleep: async () => undefined };
});

after(async () => {
  await env?.stop();
});

const logKey = (i: number) => ({ pk: `batch-test#${i}`, sk: 'x' });

describe('batchGetAll and batchDeleteAll', () => {
  it('read every existing item of 250 keys over two tables, in requests of at most 100 keys, and delete them all', async () => {
    for (let i = 0; i < 250; i += 2) await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.log, Item: { ...logKey(i), n: i } }));
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.producers, Item: { pk: 'batch-test-producer', epoch: 3 } }));
    const sizes: number[] = [];
    const counting = createDynamoDocumentClient(process.env);
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'BatchGetItemCommand') {
          const items = (args.input as { RequestItems: Record<string, { Keys: unknown[] }> }).RequestItems;
          sizes.push(Object.values(items).reduce((n, r) => n + r.Keys.length, 0));
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const keys = [...Array.from({ length: 249 }, (_, i) => ({ table: ctx.tables.log, key: logKey(i) })), { table: ctx.tables.producers, key: { pk: 'batch-test-producer' } }];
    const found = await batchGetAll({ ...ctx, ddb: counting }, keys);
    assert.deepEqual(sizes, [100, 100, 50]);
    assert.deepEqual(found.filter((f) => f.table === ctx.tables.log).map((f) => f.item.n).sort((a, b) => Number(a) - Number(b)), Array.from({ length: 125 }, (_, i) => i * 2));
    assert.deepEqual(found.filter((f) => f.table === ctx.tables.producers).map((f) => f.item.epoch), [3]);

    assert.equal(await batchDeleteAll(ctx, ctx.tables.log, Array.from({ length: 250 }, (_, i) => logKey(i))), 250);
    assert.deepEqual(await batchGetAll(ctx, keys.slice(0, 249)), []);
  });

  it('send unprocessed keys again, and answer a retriable SERVICE_BUSY when they stay unprocessed', async () => {
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.log, Item: { ...logKey(1000), n: 1 } }));
    let attempts = 0;
    let unprocessedLeft = 2;
    const throttled = createDynamoDocumentClient(process.env);
    throttled.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'BatchGetItemCommand') return next(args);
        attempts++;
        if (unprocessedLeft-- > 0) return { output: { Responses: {}, UnprocessedKeys: (args.input as { RequestItems: unknown }).RequestItems, $metadata: {} }, response: undefined } as never;
        return next(args);
      },
      { step: 'initialize' },
    );
    const found = await batchGetAll({ ...ctx, ddb: throttled }, [{ table: ctx.tables.log, key: logKey(1000) }]);
    assert.deepEqual(found.map((f) => f.item.n), [1]);
    assert.equal(attempts, 3, 'two unprocessed rounds, then the answer');

    unprocessedLeft = Infinity;
    attempts = 0;
    await assert.rejects(batchGetAll({ ...ctx, ddb: throttled }, [{ table: ctx.tables.log, key: logKey(1000) }]), { code: 'SERVICE_BUSY', retriable: true, status: 503 });
    assert.equal(attempts, 10);
  });
});
