import type { SluiceContext } from '../core/context';
import { deletePartitionItems, readPartitionItemsPage } from '../store/log-partition-store';
import { deleteObjectRefs } from '../store/object-ref-store';
import type { PageKey } from '../store/segment-index-store';
import { deleteSegmentObjects } from '../store/segment-object-store';

/**
 * Deletes everything of a deleted topic: per page of its partitions' Log table items
 * (heads, index items, producer states), first the ref items of the objects those index
 * items name, then the objects themselves (an object holds batches of one topic only,
 * and nothing reads a deleted topic: a re-created one has a new id), and only then the
 * page's items. So a crash anywhere leaves the items that let a redelivered stream record
 * finish the job, and nothing is left for the orphan collector to find again. Idempotent.
 * Returns the number of items deleted.
 */
export async function deletePartitionData(ctx: SluiceContext, topicId: string, partitions: number): Promise<number> {
  let deleted = 0;
  for (let partition = 0; partition < partitions; partition++) {
    let startKey: PageKey | undefined;
    do {
      const page = await readPartitionItemsPage(ctx, topicId, partition, startKey);
      deleted += await deleteObjectRefs(ctx, page.objectKeys);
      const { failed } = await deleteSegmentObjects(ctx, page.objectKeys);
      // Throwing keeps this page's items, so the stream trigger's retry tries again.
      if (failed.length > 0) throw new Error(`S3 refused to delete ${failed.length} objects of a deleted topic, e.g. ${failed[0]!.key}: ${failed[0]!.code}`);
      deleted += await deletePartitionItems(ctx, page.keys);
      startKey = page.nextKey;
    } while (startKey);
  }
  return deleted;
}
