import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authConfigFromEnv } from '../../../../lib/auth/auth-config';
import type { SluiceContext } from '../../../../lib/core/context';
import { KafkaGateway } from '../../../../lib/kafka/gateway/server';
import { METADATA } from '../../../../lib/kafka/messages/metadata';
import { ZERO_UUID } from '../../../../lib/kafka/wire/uuid';
import { raisePartitionCount } from '../../../../lib/store/topic-store';
import { TOPIC_CACHE_MS } from '../../../../lib/topics/topic-repository';
import { createTopic } from '../../../../lib/topics/topic-service';
import type { TestPlatform } from '../../../support/local-platform';
import { RawKafkaConnection } from '../../../support/kafka-wire-client';
import { startPlatformContext } from '../../../support/platform-context';

/**
 * The gateway's Metadata after partitions are added by another container (the count
 * raised in the Topics table alone, this process's topic cache left as it was): the old
 * count until the cache entry is TOPIC_CACHE_MS old, then the new one, so Kafka clients
 * pick the new partitions up at their next metadata refresh.
 */
let env: TestPlatform;
let gateway: KafkaGateway;
let clock = Date.now();
let ctx: SluiceContext;
let topicId: string;

before(async () => {
  const started = await startPlatformContext();
  env = started.env;
  ctx = { ...started.ctx, now: () => clock };
  gateway = await KafkaGateway.start({ ctx, auth: authConfigFromEnv({}), host: '127.0.0.1', port: 0, log: () => undefined });
  topicId = (await createTopic(ctx, { name: 'kafka-wider', partitions: 1, config: {} })).topicId;
});

after(async () => {
  await gateway?.stop();
  await env?.stop();
});

describe('Kafka Metadata after partitions are added', () => {
  it('answers the new partition count once the cached topic is TOPIC_CACHE_MS old', async () => {
    const connection = await RawKafkaConnection.connect(gateway.port);
    try {
      const partitionsSeen = async () => {
        const { body } = await connection.request(METADATA, 9, {
          topics: [{ topicId: ZERO_UUID, name: 'kafka-wider' }],
          allowAutoTopicCreation: false,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        });
        return body.topics[0]!.partitions.map((p: { partitionIndex: number }) => p.partitionIndex);
      };
      assert.deepEqual(await partitionsSeen(), [0]);
      assert.notEqual(await raisePartitionCount(ctx, { name: 'kafka-wider', topicId }, 3), 'changed');
      assert.deepEqual(await partitionsSeen(), [0], 'within the cache age the old count');
      clock += TOPIC_CACHE_MS + 1;
      assert.deepEqual(await partitionsSeen(), [0, 1, 2]);
    } finally {
      connection.close();
    }
  });
});
