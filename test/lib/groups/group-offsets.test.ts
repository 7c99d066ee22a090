import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/core/context';
import { rebalance } from '../../../lib/groups/coordinator';
import { commitOffsets } from '../../../lib/groups/group-offsets';
import { heartbeat, joinGroup } from '../../../lib/groups/membership';
import { call, type TestPlatform } from '../../support/local-platform';
import { startPlatformContext } from '../../support/platform-context';

/** Offset commits against DynamoDB Local, with one injected transaction conflict. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  ({ env, ctx } = await startPlatformContext());
});

after(async () => {
  await env?.stop();
});

/** Cancels the first offset-commit transaction with TransactionConflict, as DynamoDB may when two commits touch the meta item at once. */
function conflictingOnce(base: SluiceContext): SluiceContext {
  let conflicted = false;
  const ddb = new Proxy(base.ddb, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: unknown, ...rest: unknown[]) => {
        if (command instanceof TransactWriteCommand && !conflicted) {
          conflicted = true;
          return Promise.reject(
            new TransactionCanceledException({
              message: 'Transaction cancelled',
              $metadata: {},
              CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }, { Code: 'None' }],
            }),
          );
        }
        return (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      };
    },
  });
  return { ...base, ddb };
}

describe('commitOffsets', () => {
  it('retries a transaction conflict instead of calling a current member stale', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'conflicts' });
    const joined = await joinGroup(ctx, 'conflict-group', { topics: ['conflicts'], sessionTimeoutMs: 30_000, assignor: 'sticky', resetPolicy: 'earliest' });
    await rebalance(ctx, 'conflict-group');
    const view = await heartbeat(ctx, 'conflict-group', joined.memberId);
    assert.equal(view.rebalanceInProgress, false);
    const committed = await commitOffsets(conflictingOnce(ctx), 'conflict-group', {
      member: { memberId: joined.memberId, generation: view.generation },
      offsets: [{ topic: 'conflicts', partition: 0, offset: 0 }],
    });
    assert.equal(committed[0]!.offset, 0);
  });
});
