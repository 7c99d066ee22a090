import { LIMITS } from '../protocol/limits';
import { partitionForKey } from '../protocol/partitioner';
import { keyBytes } from './bytes';
import { FifoQueue } from './fifo-queue';
import type { Encoding, ProduceRecord, ProduceRequest, ProducedRecord, ProducerIdentity } from './types';

/** The producer's queue per topic, and how queued records become one numbered call. */

/** Room in a request body for everything but the records: encoding, producer claim with up to 49 sequences. */
export const REQUEST_OVERHEAD_BYTES = 2048;
/** Room for `"partition":N,` added to a record on the wire. */
export const RECORD_OVERHEAD_BYTES = 24;

export interface Pending {
  record: ProduceRecord;
  bytes: number;
  resolve(meta: ProducedRecord): void;
  reject(err: unknown): void;
  settled: boolean;
}

export interface Batch {
  topic: string;
  pending: Pending[];
  request: ProduceRequest;
  /** Partition → base sequence, for rolling back a batch the server surely refused. */
  bases: Map<number, number>;
  counts: Map<number, number>;
  /** The sequence state this batch was numbered under. */
  generation: number;
  createdAt: number;
}

export interface TopicState {
  name: string;
  partitions?: Promise<number>;
  /** The count `partitions` last resolved to, and when it was asked for (ms since the epoch). */
  knownPartitions?: number;
  partitionsReadAt?: number;
  /** Records waiting for a call, oldest first (a FifoQueue: taking a batch is linear in the batch, not the queue). */
  queue: FifoQueue<Pending>;
  queueBytes: number;
  /** Partition → queued records that name it explicitly, so a partition past the known count is found without a scan of the queue. */
  namedPartitions: Map<number, number>;
  inFlight: number;
  lingerExpired: boolean;
  timer?: ReturnType<typeof setTimeout>;
  roundRobin: number;
  /** Partition → next sequence number in the current epoch. */
  sequences: Map<number, number>;
}

/** A topic's state with an empty queue. */
export function newTopicState(name: string): TopicState {
  return { name, queue: new FifoQueue(), queueBytes: 0, namedPartitions: new Map(), inFlight: 0, lingerExpired: false, roundRobin: -1, sequences: new Map() };
}

/** Adds a record at the end of the topic's queue. */
export function enqueuePending(state: TopicState, pending: Pending): void {
  state.queue.push(pending);
  state.queueBytes += pending.bytes;
  const named = pending.record.partition;
  if (named !== undefined) state.namedPartitions.set(named, (state.namedPartitions.get(named) ?? 0) + 1);
}

/** Takes the first record off the topic's queue. */
export function dequeuePending(state: TopicState): Pending | undefined {
  const pending = state.queue.shift();
  if (pending) forget(state, pending);
  return pending;
}

/** Takes every record off the topic's queue, oldest first. */
export function drainPending(state: TopicState): Pending[] {
  const all = state.queue.drain();
  state.queueBytes = 0;
  state.namedPartitions.clear();
  return all;
}

/** Whether a queued record names a partition at or past `count` (cost: the distinct partitions named, not the queue). */
export function namesPartitionFrom(state: TopicState, count: number): boolean {
  for (const partition of state.namedPartitions.keys()) if (partition >= count) return true;
  return false;
}

function forget(state: TopicState, pending: Pending): void {
  state.queueBytes -= pending.bytes;
  const named = pending.record.partition;
  if (named === undefined) return;
  const left = (state.namedPartitions.get(named) ?? 1) - 1;
  if (left > 0) state.namedPartitions.set(named, left);
  else state.namedPartitions.delete(named);
}

/** What `takeBatch` needs of the producer. */
export interface BatchLimits {
  /** The topic's partition count. */
  partitions: number;
  /** Idempotent producers number the records. */
  identity: ProducerIdentity | undefined;
  batchRecords: number;
  batchBytes: number;
  encoding: Encoding;
  /** The producer's sequence generation, stamped on the batch. */
  generation: number;
  /** At most this many partitions in the call (below the server's limit); default the server's limit. */
  maxPartitions?: number;
}

/**
 * Takes records off a topic's queue (in order) into one call, places them (the record's
 * partition, the key's, or one sticky partition per call for the rest), and numbers them;
 * a record that cannot be placed is failed through `reject` and skipped.
 */
export function takeBatch(state: TopicState, limits: BatchLimits, reject: (pending: Pending, error: Error) => void): Batch | undefined {
  const { partitions, identity, batchRecords, batchBytes, encoding, generation } = limits;
  const serverMax = identity ? LIMITS.partitionsPerIdempotentProduceMax : LIMITS.partitionsPerProduceMax;
  const maxPartitions = Math.min(serverMax, limits.maxPartitions ?? serverMax);
  const taken: Pending[] = [];
  const placed: number[] = [];
  const counts = new Map<number, number>();
  let bytes = REQUEST_OVERHEAD_BYTES;
  let sticky: number | undefined;
  while (state.queue.length > 0 && taken.length < batchRecords) {
    const next = state.queue.peek()!;
    const record = next.record;
    let partition: number;
    if (record.partition !== undefined) {
      partition = record.partition;
      if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
        dequeuePending(state);
        reject(next, new RangeError(`partition ${partition} is outside 0..${partitions - 1} of topic '${state.name}'`));
        continue;
      }
    } else if (record.key !== undefined && record.key !== null) {
      let key: Uint8Array;
      try {
        key = keyBytes(record.key, encoding);
      } catch {
        dequeuePending(state);
        reject(next, new RangeError(`a record key of topic '${state.name}' is not valid base64`));
        continue;
      }
      partition = partitionForKey(key, partitions);
    } else {
      if (sticky === undefined) {
        state.roundRobin = (state.roundRobin + 1) % partitions;
        sticky = state.roundRobin;
      }
      partition = sticky;
    }
    if (taken.length > 0 && (bytes + next.bytes > batchBytes || (!counts.has(partition) && counts.size >= maxPartitions))) break;
    dequeuePending(state);
    bytes += next.bytes;
    taken.push(next);
    placed.push(partition);
    counts.set(partition, (counts.get(partition) ?? 0) + 1);
  }
  if (taken.length === 0) return undefined;

  // Every record travels with the partition placed here, keyed ones too: the sequences claim
  // exactly those partitions, and while a topic's partitions are being added the server's
  // count (its cache) and this producer's may differ, so the server must not place them again.
  const records = taken.map((p, i) => (p.record.partition === undefined ? { ...p.record, partition: placed[i]! } : p.record));
  const request: ProduceRequest = { encoding, records };
  const bases = new Map<number, number>();
  if (identity) {
    const sequences: Record<string, number> = {};
    for (const [partition, count] of counts) {
      const base = state.sequences.get(partition) ?? 0;
      bases.set(partition, base);
      sequences[String(partition)] = base;
      state.sequences.set(partition, base + count);
    }
    request.producer = { id: identity.producerId, epoch: identity.epoch, sequences };
  }
  return { topic: state.name, pending: taken, request, bases, counts, generation, createdAt: Date.now() };
}
