/**
 * The Log table partition key of one topic-partition. It uses the topic id, not
 * the name, so deleting and re-creating a topic starts a fresh log.
 */
export function partitionKey(topicId: string, partition: number): string {
  return `${topicId}#${partition}`;
}

/** The topic id and partition of a Log table partition key (`partitionKey`'s inverse), as stream images carry it. */
export function partitionOfKey(pk: string): { topicId: string; partition: number } {
  const at = pk.lastIndexOf('#');
  return { topicId: pk.slice(0, at), partition: Number(pk.slice(at + 1)) };
}
