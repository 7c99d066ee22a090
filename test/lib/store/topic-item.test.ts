import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { marshall } from '@aws-sdk/util-dynamodb';
import { topicFromStreamImage, toTopicItem, type Topic } from '../../../lib/store/topic-item';

describe('topic item', () => {
  it('decodes a stream image (DynamoDB JSON) into the topic it was written from', () => {
    const topic: Topic = { name: 'orders', topicId: 'id-1', partitions: 4, config: { 'cleanup.policy': 'delete' }, createdAt: 1_700_000_000_000 };
    assert.deepEqual(topicFromStreamImage(marshall(toTopicItem(topic))), topic);
  });
});
