import type { SluiceContext } from '../context';
import { getTopic, readHead, requirePartition } from '../topics/topic-repository';

export interface PartitionOffsetsResult {
  topic: string;
  partition: number;
  logStartOffset: number;
  highWatermark: number;
}

/** The earliest readable offset and the high watermark (the next offset to be written). */
export async function listOffsets(ctx: SluiceContext, topicName: string, partition: number): Promise<PartitionOffsetsResult> {
  const topic = await getTopic(ctx, topicName);
  requirePartition(topic, partition);
  const head = await readHead(ctx, topic.topicId, partition);
  return { topic: topic.name, partition, logStartOffset: head.logStartOffset, highWatermark: head.nextOffset };
}
