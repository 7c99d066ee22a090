import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

import type { Topic } from '../protocol/responses';

/** The Topics table item (one per topic, keyed by name; owned here alone) holds the topic as the API shows it. */
export type { Topic };

export interface TopicItem {
  pk: string;
  name: string;
  topicId: string;
  partitions: number;
  config: Record<string, string>;
  createdAt: number;
}

export function topicKey(name: string): { pk: string } {
  return { pk: `topic#${name}` };
}

export function toTopicItem(topic: Topic): TopicItem {
  return { ...topicKey(topic.name), ...topic, config: { ...topic.config } };
}

export function fromTopicItem(item: Record<string, unknown>): Topic {
  return {
    name: String(item.name),
    topicId: String(item.topicId),
    partitions: Number(item.partitions),
    config: { ...((item.config as Record<string, string> | undefined) ?? {}) },
    createdAt: Number(item.createdAt),
  };
}

/** The topic in a Topics stream record's image (DynamoDB JSON, as stream events carry it). */
export function topicFromStreamImage(image: Record<string, unknown>): Topic {
  return fromTopicItem(unmarshall(image as Record<string, AttributeValue>));
}
