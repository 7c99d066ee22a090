/**
 * The Log table partition key of one topic-partition. It uses the topic id, not
 * the name, so deleting and re-creating a topic starts a fresh log.
 */
export function partitionKey(topicId: string, partition: number): string {
  return `${topicId}#${partition}`;
}
