import type { SluiceContext } from '../../core/context';
import { produce, type ProduceOptions, type ProduceResult } from '../../log/produce';
import { LIMITS } from '../../protocol/limits';
import type { IncomingRecord } from '../../records/record-encoding';

/**
 * Cross-connection batching (docs/design.md, "Kafka gateway"): produce requests from
 * every connection of a gateway are gathered per topic for up to `lingerMs`, or until
 * `maxBytes` of records wait, and written as one lib/log produce call: one S3 object
 * and one DynamoDB transaction for many small producers, where each would otherwise
 * pay its own PUT and transaction. Each submission is answered only when the call that
 * holds its records has committed, with its own base offset per partition.
 *
 * Order: a topic has at most one produce call in flight per gateway, and submissions
 * enter calls in arrival order, so requests a connection pipelines to one partition
 * are written in the order they were sent (as a broker does). While a call is in
 * flight the next batch keeps gathering, so the busier a topic, the bigger its calls.
 *
 * A call holds at most LIMITS.partitionsPerProduceMax partitions and
 * LIMITS.produceRecordsMax records: a window with more is cut into several calls,
 * written one after another. One partition's records of one submission are never cut
 * (the handler refuses more than produceRecordsMax of them), so their offsets are
 * contiguous.
 *
 * An idempotent producer's submission (producer id, epoch, a base sequence per
 * partition) is written as a call of its own, since lib/log/produce checks one
 * producer's sequences per call; it still takes its turn in the topic's order.
 */
export interface BatchingSettings {
  /** How long the first submission of a batch waits for others (SLUICE_KAFKA_LINGER_MS). */
  readonly lingerMs: number;
  /** A batch is written at once when this many record bytes wait (SLUICE_KAFKA_BATCH_BYTES). */
  readonly maxBytes: number;
}

export const DEFAULT_LINGER_MS = 5;
export const DEFAULT_BATCH_BYTES = 1024 * 1024;

/** One partition's records of one submission. */
export interface PartitionRecords {
  partition: number;
  /** Every record's `partition` is this partition. */
  records: IncomingRecord[];
}

/** What a submission's partition got: its first record's offset and the records' append-time stamp. */
export interface PartitionAppend {
  baseOffset: number;
  /** The first record's timestamp as stored (the append time on a LogAppendTime topic). */
  firstTimestamp: number;
}

type Produce = (ctx: SluiceContext, topic: string, records: readonly IncomingRecord[], options?: ProduceOptions) => Promise<ProduceResult>;

/** An idempotent producer's submission: its id and epoch, the caller, and each partition's base sequence. */
export interface ProducerSubmission {
  id: number;
  epoch: number;
  principal: string;
  sequences: ReadonlyMap<number, number>;
}

interface Unit {
  /** The submission the unit is part of (an idempotent one is written alone, as one call). */
  submission: object;
  producer: ProducerSubmission | undefined;
  partition: PartitionRecords;
  resolve: (append: PartitionAppend) => void;
  reject: (error: unknown) => void;
}

interface TopicQueue {
  pending: Unit[];
  pendingBytes: number;
  timer: NodeJS.Timeout | undefined;
  inFlight: boolean;
  /** The window ended while a call was in flight: write the next batch as soon as it ends. */
  due: boolean;
}

export class ProduceBatcher {
  private readonly topics = new Map<string, TopicQueue>();
  /** Produce calls made (tests and the bench read it). */
  calls = 0;

  constructor(
    /** The stores the batches are written to (public for tests that count requests on its clients). */
    readonly ctx: SluiceContext,
    readonly settings: BatchingSettings,
    private readonly write: Produce = (ctx, topic, records, options) => produce(ctx, topic, records, options),
  ) {}

  /**
   * Queues one request's records for `topic`, a promise per partition in the order given.
   * Each settles when the call holding it commits (or fails).
   */
  submit(topic: string, partitions: readonly PartitionRecords[], producer?: ProducerSubmission): Promise<PartitionAppend>[] {
    const submission = {};
    let queue = this.topics.get(topic);
    if (!queue) {
      queue = { pending: [], pendingBytes: 0, timer: undefined, inFlight: false, due: false };
      this.topics.set(topic, queue);
    }
    const promises = partitions.map(
      (partition) =>
        new Promise<PartitionAppend>((resolve, reject) => {
          queue.pending.push({ submission, producer, partition, resolve, reject });
          queue.pendingBytes += partition.records.reduce((sum, r) => sum + bytesOf(r), 0);
        }),
    );
    if (queue.pendingBytes >= this.settings.maxBytes || this.settings.lingerMs <= 0) this.due(topic, queue);
    else queue.timer ??= setTimeout(() => this.due(topic, queue), this.settings.lingerMs);
    return promises;
  }

  private due(topic: string, queue: TopicQueue): void {
    clearTimeout(queue.timer);
    queue.timer = undefined;
    if (queue.inFlight) {
      queue.due = true;
      return;
    }
    const units = queue.pending;
    queue.pending = [];
    queue.pendingBytes = 0;
    queue.due = false;
    if (units.length === 0) {
      this.topics.delete(topic);
      return;
    }
    queue.inFlight = true;
    void this.writeAll(topic, units).finally(() => {
      queue.inFlight = false;
      if (queue.due || queue.pendingBytes >= this.settings.maxBytes) this.due(topic, queue);
      else if (queue.pending.length === 0 && !queue.timer) this.topics.delete(topic);
    });
  }

  private async writeAll(topic: string, units: Unit[]): Promise<void> {
    for (const call of cut(units)) await this.writeOne(topic, call);
  }

  private async writeOne(topic: string, units: Unit[]): Promise<void> {
    const records: IncomingRecord[] = [];
    const starts: number[] = [];
    for (const unit of units) {
      starts.push(records.length);
      records.push(...unit.partition.records);
    }
    this.calls++;
    const producer = units[0]!.producer;
    const options: ProduceOptions | undefined = producer && {
      producer: { id: producer.id, epoch: producer.epoch, sequences: Object.fromEntries(units.map((u) => [String(u.partition.partition), producer.sequences.get(u.partition.partition)!])) },
      principal: producer.principal,
    };
    try {
      const result = await this.write(this.ctx, topic, records, options);
      units.forEach((unit, i) => {
        const first = result.records[starts[i]!]!;
        unit.resolve({ baseOffset: first.offset, firstTimestamp: first.timestamp });
      });
    } catch (error) {
      for (const unit of units) unit.reject(error);
    }
  }
}

/** Units into calls within lib's limits on partitions and records per call, in order. */
function cut(units: readonly Unit[]): Unit[][] {
  const calls: Unit[][] = [];
  let current: Unit[] = [];
  let partitions = new Set<number>();
  let records = 0;
  for (const unit of units) {
    const p = unit.partition.partition;
    const morePartitions = partitions.has(p) ? 0 : 1;
    // An idempotent submission's sequences are one claim: it is a call of its own, whole.
    const alone = unit.producer !== undefined || current[0]?.producer !== undefined;
    const full = partitions.size + morePartitions > LIMITS.partitionsPerProduceMax || records + unit.partition.records.length > LIMITS.produceRecordsMax;
    if (current.length > 0 && (alone ? unit.submission !== current[0]!.submission : full)) {
      calls.push(current);
      current = [];
      partitions = new Set();
      records = 0;
    }
    current.push(unit);
    partitions.add(p);
    records += unit.partition.records.length;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

function bytesOf(record: IncomingRecord): number {
  let size = (record.key?.byteLength ?? 0) + (record.value?.byteLength ?? 0);
  for (const header of record.headers) size += header.key.length + (header.value?.byteLength ?? 0);
  return size;
}
