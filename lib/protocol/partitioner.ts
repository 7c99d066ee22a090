import { murmur2, toPositive } from './murmur2';

/** The partition Kafka's default partitioner picks for a keyed record. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return toPositive(murmur2(key)) % partitions;
}

export interface PartitionChoice {
  key: Uint8Array | null;
  partition?: number;
}

/**
 * Assigns a partition to each record of one produce call. An explicit partition wins,
 * then the key's hash. Keyless records all share one partition per call (sticky, like
 * Kafka's sticky partitioner), which keeps a call's commit to as few partitions as possible.
 * `random` returns a float in [0, 1) and is injected so tests can control it.
 */
export function assignPartitions(records: readonly PartitionChoice[], partitions: number, random: () => number): number[] {
  let sticky: number | undefined;
  return records.map((record) => {
    if (record.partition !== undefined) return record.partition;
    if (record.key !== null) return partitionForKey(record.key, partitions);
    sticky ??= Math.floor(random() * partitions);
    return sticky;
  });
}
