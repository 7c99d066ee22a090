import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Caller } from '../../../lib/auth/access-control';
import { authConfigFromEnv } from '../../../lib/auth/auth-config';
import type { SluiceContext } from '../../../lib/core/context';
import { raisePartitionCount } from '../../../lib/store/topic-store';
import { cachedTopic } from '../../../lib/topics/topic-repository';
import { createTopic } from '../../../lib/topics/topic-service';
import { resolveTopic } from '../../../lib/watch/watched-topics';
import type { TestPlatform } from '../../support/local-platform';
import { startPlatformContext } from '../../support/platform-context';

/** Resolving the partitions a watch names, against DynamoDB Local, with this container's topic cache stale. */
let env: TestPlatform;
let ctx: SluiceContext;
const caller = (): Caller => ({ principal: 'anonymous', config: authConfigFromEnv({}) });

before(async () => {
  ({ env, ctx } = await startPlatformContext());
});

after(async () => {
  await env?.stop();
});

describe('resolveTopic', () => {
  it('reads the topic again before refusing a partition past the cached count (partitions added by another container)', async () => {
    const topic = await createTopic(ctx, { name: 'watched-wider', partitions: 1, config: {} });
    assert.equal((await cachedTopic(ctx, 'watched-wider')).partitions, 1);
    // Raised in the store alone, as another container would: this container's cache still says 1.
    assert.notEqual(await raisePartitionCount(ctx, topic, 2), 'changed');
    assert.equal((await cachedTopic(ctx, 'watched-wider')).partitions, 1);
    const resolved = await resolveTopic(ctx, caller(), 'watched-wider', [{ topic: 'watched-wider', partition: 1, offset: 0 }]);
    assert.deepEqual(resolved.refused, []);
    assert.deepEqual(resolved.valid.map((w) => w.partition), [1]);
    assert.equal(resolved.topic?.partitions, 2);
  });

  it('still refuses a partition past the stored count', async () => {
    await createTopic(ctx, { name: 'watched-narrow', partitions: 1, config: {} });
    const resolved = await resolveTopic(ctx, caller(), 'watched-narrow', [{ topic: 'watched-narrow', partition: 1, offset: 0 }]);
    assert.deepEqual(resolved.valid, []);
    assert.equal(resolved.refused.length, 1);
  });
});
