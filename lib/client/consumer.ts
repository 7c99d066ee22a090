import { ConsumerEngine } from './consumer-engine';
import type { ConsumerRecord, ConsumerRunLimits, SluiceConsumerOptions } from './consumer-options';
import { type Assigned, type TopicPartition, byTp, keyOf, moveTo, tpOf } from './positions';
import type { SluiceHttpClient } from './sluice-http-client';

export type { ConsumerRecord, ConsumerRunLimits, SluiceConsumerOptions } from './consumer-options';
export type { TopicPartition } from './positions';

/**
 * A Kafka-style consumer over the HTTP API.
 *
 * ```ts
 * const consumer = new SluiceConsumer(client, { groupId: 'billing', topics: ['orders'], encoding: 'utf8' });
 * for await (const record of consumer) handle(record);   // or: for await (const batch of consumer.batches())
 * await consumer.close();                                 // commits (auto-commit) and leaves
 * ```
 *
 * Group mode (`groupId` + `topics`): joins on first use, heartbeats in the background,
 * and takes each new assignment between batches: `onRevoke` before partitions are
 * dropped, `onAssign` after partitions are gained (eager, as Kafka's classic protocol:
 * a rebalance may revoke everything and assign it back). A gained partition starts at
 * the group's position (committed offset, else the reset policy's end).
 *
 * Manual mode (`assign()`): no membership; positions start at the group's committed
 * offsets when `groupId` is set (else the reset policy), and commits are standalone,
 * which the server accepts only while the group has no live members.
 *
 * At least once: a commit sends, per partition, one past the last record the iterator
 * moved past (for `batches()`, past the whole batch once the next one is asked for), so a
 * record is committed only after it was processed. Breaking out of a `for await` does not
 * close the consumer; call `close()`.
 */
export class SluiceConsumer extends ConsumerEngine implements AsyncIterable<ConsumerRecord> {
  /** `limits` is internal (the CLI's bounded runs); leave it out. */
  constructor(client: SluiceHttpClient, options: SluiceConsumerOptions = {}, limits: ConsumerRunLimits = {}) {
    super(client, options, limits);
  }

  /** The member id in group mode ('' before joining). */
  get member(): { memberId: string; generation: number } {
    return { memberId: this.memberId, generation: this.generation };
  }

  /** The partitions currently held, sorted. */
  assignment(): TopicPartition[] {
    return [...this.assigned.values()].map(tpOf).sort(byTp);
  }

  /** The next offset to be returned for a held partition. */
  position(tp: TopicPartition): number {
    return this.held(tp).position;
  }


  /**
   * Reads these partitions by hand, without group membership (replacing any earlier
   * `assign()`). Starts at the group's committed offsets when `groupId` is set, else at
   * the reset policy's end; `seek` to go elsewhere.
   */
  async assign(partitions: TopicPartition[]): Promise<void> {
    if (this.mode === 'group') throw new Error('this consumer is a group member; assign() is for consumers without topics');
    this.mode = 'manual';
    const wanted = new Map(partitions.map((tp) => [keyOf(tp.topic, tp.partition), tp]));
    const lost = [...this.assigned.values()].filter((a) => !wanted.has(a.key));
    if (lost.length > 0) await this.revoke(lost, false);
    const gained = [...wanted.entries()].filter(([k]) => !this.assigned.has(k)).map(([, tp]) => tp);
    await this.gain(gained);
    if (this.options.autoCommit !== false && this.options.groupId && this.nextCommitAt === Infinity) this.nextCommitAt = Date.now() + this.commitInterval();
  }

  /** Sets the next offset to read (and, with auto-commit, what is committed next). Drops records fetched but not yet returned. */
  seek(tp: TopicPartition, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset must be a non-negative integer, not ${offset}`);
    const a = this.held(tp);
    moveTo(a, offset);
    a.notBefore = 0;
    a.failures = 0;
    this.wake();
  }

  /** Seeks each partition to its log start offset. */
  async seekToBeginning(tps: TopicPartition[] = this.assignment()): Promise<void> {
    for (const tp of tps) this.seek(tp, (await this.client.listOffsets(tp.topic, tp.partition)).logStartOffset);
  }

  /** Seeks each partition to its high watermark (only records written from now on). */
  async seekToEnd(tps: TopicPartition[] = this.assignment()): Promise<void> {
    for (const tp of tps) this.seek(tp, (await this.client.listOffsets(tp.topic, tp.partition)).highWatermark);
  }

  /** Seeks to the first record with a timestamp of at least `timestamp` (offsets-for-times); to the high watermark if none is that late. Answers the offset. */
  async seekToTimestamp(tp: TopicPartition, timestamp: number): Promise<number> {
    this.held(tp);
    const answer = await this.client.offsetForTime(tp.topic, tp.partition, timestamp);
    const offset = answer.offset ?? answer.highWatermark;
    this.seek(tp, offset);
    return offset;
  }

  /** Stops fetching these partitions (records already returned in a batch are still yielded). */
  pause(tps: TopicPartition[]): void {
    for (const tp of tps) {
      const a = this.held(tp);
      a.paused = true;
      a.fetch?.abort();
      a.fetch = undefined;
      a.gen++;
    }
  }

  /** Fetches these partitions again. */
  resume(tps: TopicPartition[]): void {
    for (const tp of tps) this.held(tp).paused = false;
    this.wake();
  }

  /** The partitions paused. */
  paused(): TopicPartition[] {
    return [...this.assigned.values()].filter((a) => a.paused).map(tpOf).sort(byTp);
  }

  /**
   * Commits, for every held partition that moved, one past the last record iterated past.
   * Throws `SluiceApiError` if the server refuses (`ILLEGAL_GENERATION` or
   * `PARTITION_NOT_ASSIGNED` after a rebalance: the next owner reads those records again).
   */
  async commit(): Promise<void> {
    const outcome = await this.commitNow([...this.assigned.values()]);
    if (outcome instanceof Error) throw outcome;
  }

  /** Records one at a time; see the class comment for when offsets count as consumed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord, void, undefined> {
    for await (const batch of this.batchesRaw()) {
      const a = this.assigned.get(keyOf(batch[0]!.topic, batch[0]!.partition));
      if (!a) continue;
      const seekGen = a.seekGen;
      let finished = false;
      try {
        for (const record of batch) {
          if (this.assigned.get(a.key) !== a || a.seekGen !== seekGen || this.closing.signal.aborted) break;
          yield record;
          if (this.assigned.get(a.key) === a && a.seekGen === seekGen) a.consumed = Math.max(a.consumed, record.offset + 1);
        }
        finished = true;
      } finally {
        // The caller left the loop mid-batch (break, return, throw) without moving past the last record: it and the
        // records not yet yielded are fetched again next time, from where a commit would restart.
        if (!finished) this.rewind(a, seekGen);
      }
    }
  }

  /** Records a fetch at a time (one partition each, in offset order); a batch counts as consumed once the next is asked for. */
  async *batches(): AsyncGenerator<ConsumerRecord[], void, undefined> {
    for await (const batch of this.batchesRaw()) {
      const a = this.assigned.get(keyOf(batch[0]!.topic, batch[0]!.partition));
      const seekGen = a?.seekGen;
      let resumed = false;
      try {
        yield batch;
        resumed = true;
      } finally {
        // Left the loop while holding this batch: it does not count as consumed, so it is fetched again next time.
        if (!resumed && a) this.rewind(a, seekGen!);
      }
      if (a && this.assigned.get(a.key) === a && a.seekGen === seekGen) a.consumed = Math.max(a.consumed, batch.at(-1)!.offset + 1);
    }
  }


  // -------------------------------------------------------------------------

  /**
   * Moves a partition's fetch position back to what the iterator consumed, when records
   * already fetched were not all handed out: otherwise the next iteration would go on
   * after them and a commit past later records would skip them (at-least-once).
   */
  private rewind(a: Assigned, seekGen: number): void {
    if (this.assigned.get(a.key) !== a || a.seekGen !== seekGen || a.position <= a.consumed) return;
    a.fetch?.abort();
    a.fetch = undefined;
    a.gen++;
    a.position = a.consumed;
    a.notBefore = 0;
  }

  private held(tp: TopicPartition): Assigned {
    const a = this.assigned.get(keyOf(tp.topic, tp.partition));
    if (!a) throw new Error(`${tp.topic}/${tp.partition} is not assigned to this consumer`);
    return a;
  }

}
