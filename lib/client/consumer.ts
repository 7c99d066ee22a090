import { type FetchOutcome, GroupMemberBase, describe, emptyPollBackoff, hasCode, isRetriable, recoverFetch, retrying } from './group-consumer';
import { SluiceApiError, type SluiceHttpClient } from './sluice-http-client';
import type { AssignorName, Encoding, FetchedRecord, MembershipView, ResetPolicy } from './types';

/** One partition of one topic. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A fetched record with where it came from. */
export interface ConsumerRecord extends FetchedRecord {
  topic: string;
  partition: number;
}

export interface SluiceConsumerOptions {
  /** The consumer group: needed for `topics` (group membership) and for commits. */
  groupId?: string;
  /** Join `groupId` subscribed to these topics; leave out and call `assign()` to pick partitions by hand. */
  topics?: string[];
  /** Commit the positions of records already iterated past every `autoCommitIntervalMs`, before a revoke and on `close()`; true by default. */
  autoCommit?: boolean;
  /** 5,000 by default, as in Kafka. */
  autoCommitIntervalMs?: number;
  /** Sent on join; the server's default (30 s) when omitted. */
  sessionTimeoutMs?: number;
  /** Where to start a partition the group never committed. Sent on join (the first member's setting becomes the group's, which then also decides where a member's position outside the log resets); also used for `assign()` without a committed offset and for resets in manual mode. `latest` by default. */
  resetPolicy?: ResetPolicy;
  assignor?: AssignorName;
  clientId?: string;
  /** Records per fetch, 1–10,000; 500 by default. */
  fetchMaxRecords?: number;
  /** How long a fetch at the tail waits for new records; 10,000 by default (the server allows up to 20,000). */
  waitMs?: number;
  /** How keys, values and header values come: `base64` by default (lossless), or `utf8`. */
  encoding?: Encoding;
  /** Called after partitions were gained (group mode, and for `assign()`). */
  onAssign?(partitions: TopicPartition[]): void | Promise<void>;
  /** Called before partitions are dropped (after the auto-commit of their positions, if on). */
  onRevoke?(partitions: TopicPartition[]): void | Promise<void>;
  /** Progress and rebalance notes for a human or a logger. */
  note?(message: string): void;
}

interface Assigned extends TopicPartition {
  key: string;
  /** The next offset to fetch. */
  position: number;
  /** One past the last record the iterator moved past: what a commit sends. */
  consumed: number;
  /** The committed offset as last known. */
  committed: number | null;
  highWatermark: number;
  paused: boolean;
  /** Bumped by seek, pause and revoke: fetch results of an older one are dropped. */
  gen: number;
  /** Bumped by seek only: records of a batch already handed out stop being yielded. */
  seekGen: number;
  fetch?: AbortController;
  notBefore: number;
  failures: number;
}

interface Completion extends FetchOutcome {
  key: string;
  gen: number;
}

const DEFAULT_AUTO_COMMIT_MS = 5000;
const DEFAULT_FETCH_MAX_RECORDS = 500;
const DEFAULT_WAIT_MS = 10_000;
const OFFSETS_PER_COMMIT = 98;
const EXIT_CALL_TIMEOUT_MS = 10_000;

const keyOf = (topic: string, partition: number): string => `${topic}#${partition}`;
const tpOf = (a: TopicPartition): TopicPartition => ({ topic: a.topic, partition: a.partition });
const byTp = (a: TopicPartition, b: TopicPartition): number => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);

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
export class SluiceConsumer extends GroupMemberBase<Completion> implements AsyncIterable<ConsumerRecord> {
  private readonly options: SluiceConsumerOptions;
  private readonly assigned = new Map<string, Assigned>();
  private mode: 'none' | 'group' | 'manual' = 'none';
  private heartbeats: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private nextCommitAt = Infinity;
  private closed: Promise<void> | undefined;
  private iterating = false;
  /** Group mode: the group's reset policy, as its positions last said. */
  private groupResetPolicy: ResetPolicy | undefined;

  constructor(client: SluiceHttpClient, options: SluiceConsumerOptions = {}) {
    if (options.topics && !options.groupId) throw new TypeError('topics need a groupId; use assign() without a group');
    super(client);
    this.options = options;
    if (options.topics) this.mode = 'group';
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

  /** Joins the group (group mode); iteration does this by itself. Idempotent. */
  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
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
    a.fetch?.abort();
    a.fetch = undefined;
    a.gen++;
    a.seekGen++;
    a.position = offset;
    a.consumed = offset;
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

  /** Stops: commits (auto-commit), leaves the group (group mode), ends any iteration. Idempotent. */
  close(): Promise<void> {
    this.closed ??= this.doClose();
    return this.closed;
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

  private commitInterval(): number {
    return this.options.autoCommitIntervalMs ?? DEFAULT_AUTO_COMMIT_MS;
  }

  protected note(message: string): void {
    this.options.note?.(message);
  }

  protected groupName(): string {
    return this.options.groupId!;
  }

  protected stopping(): boolean {
    return this.closing.signal.aborted;
  }

  protected holds(view: MembershipView): boolean {
    const mine = this.partitionsOf(view).map((tp) => keyOf(tp.topic, tp.partition)).sort();
    const held = [...this.assigned.keys()].sort();
    return mine.length === held.length && mine.every((k, i) => k === held[i]);
  }

  private async doStart(): Promise<void> {
    if (this.mode !== 'group') return;
    await this.join();
    this.heartbeats = this.heartbeatLoop();
    if (this.options.autoCommit !== false) this.nextCommitAt = Date.now() + this.commitInterval();
  }

  private async doClose(): Promise<void> {
    this.closing.abort();
    this.wake();
    for (const a of this.assigned.values()) a.fetch?.abort();
    await this.heartbeats;
    if (this.options.autoCommit !== false && this.options.groupId && this.rejoinReason === undefined) {
      try {
        const outcome = await this.commitNow([...this.assigned.values()], AbortSignal.timeout(EXIT_CALL_TIMEOUT_MS));
        if (outcome instanceof Error) this.note(`the last commit was refused (${describe(outcome)}); the next owner reads those records again`);
      } catch (err) {
        this.note(`the last commit failed (${describe(err)}); the next owner reads those records again`);
      }
    }
    if (this.mode === 'group' && this.memberId) {
      try {
        await this.client.leaveGroup(this.options.groupId!, this.memberId, { signal: AbortSignal.timeout(EXIT_CALL_TIMEOUT_MS) });
      } catch (err) {
        if (!hasCode(err, 'UNKNOWN_MEMBER')) this.note(`could not leave ${this.options.groupId} (${describe(err)}); its session will expire`);
      }
    }
  }

  /** The loop behind both iterators: one batch (non-empty, one partition) per step. */
  private async *batchesRaw(): AsyncGenerator<ConsumerRecord[], void, undefined> {
    if (this.iterating) throw new Error('this consumer is already being iterated');
    this.iterating = true;
    try {
      await this.start();
      for (;;) {
        if (this.closing.signal.aborted) return;
        if (this.fatal !== undefined) throw this.fatal;
        if (await this.takeMembershipChange()) continue;
        if (Date.now() >= this.nextCommitAt) {
          const outcome = await this.commitNow([...this.assigned.values()]).catch((err: unknown) => err);
          if (outcome instanceof Error && !(outcome instanceof SluiceApiError && ['ILLEGAL_GENERATION', 'PARTITION_NOT_ASSIGNED', 'UNKNOWN_MEMBER', 'GROUP_ACTIVE'].includes(outcome.code)) && !isRetriable(outcome)) throw outcome;
          if (outcome instanceof Error) this.note(`auto-commit did not go through (${describe(outcome)})`);
          this.nextCommitAt = Date.now() + this.commitInterval();
          continue;
        }
        const c = this.completions.shift();
        if (c) {
          const batch = this.handle(c);
          if (batch && batch.length > 0) yield batch;
          continue;
        }
        this.startFetches();
        await this.waitForEvent(this.nextWakeIn());
      }
    } finally {
      this.iterating = false;
    }
  }

  private nextWakeIn(): number {
    const now = Date.now();
    let at = Math.min(this.nextCommitAt, now + 60_000);
    for (const a of this.assigned.values()) if (!a.fetch && !a.paused && a.notBefore > now) at = Math.min(at, a.notBefore);
    return Math.max(0, at - now);
  }

  // -------------------------------------------------------------------------
  // Membership

  private async join(): Promise<void> {
    const view = await this.joinGroup({ ...this.options, topics: this.options.topics! }, this.closing.signal);
    this.note(`joined ${this.options.groupId} as ${view.memberId}, generation ${view.generation}`);
  }

  private partitionsOf(view: MembershipView): TopicPartition[] {
    const topics = new Set(this.options.topics);
    const seen = new Map<string, TopicPartition>();
    for (const t of view.assignment) if (topics.has(t.topic)) for (const p of t.partitions) seen.set(keyOf(t.topic, p), { topic: t.topic, partition: p });
    return [...seen.values()].sort(byTp);
  }

  protected async adopt(view: MembershipView): Promise<void> {
    this.pendingView = undefined;
    const mine = this.partitionsOf(view);
    const mineKeys = new Set(mine.map((tp) => keyOf(tp.topic, tp.partition)));
    const lost = [...this.assigned.values()].filter((a) => !mineKeys.has(a.key));
    // Commit what was consumed of the lost partitions while the old generation may still be current.
    if (lost.length > 0) await this.revoke(lost, true);
    const previous = this.generation;
    this.generation = view.generation;
    this.heartbeatIntervalMs = view.heartbeatIntervalMs;
    if (!view.rebalanceInProgress) this.settled = true;
    await this.gain(mine.filter((tp) => !this.assigned.has(keyOf(tp.topic, tp.partition))));
    if (previous !== view.generation) await this.catchUpKept();
    if (previous !== view.generation) this.note(`generation ${view.generation}: ${mine.map((tp) => `${tp.topic}/${tp.partition}`).join(',') || 'no partitions'}`);
  }

  /**
   * After a generation change, a partition this member kept may have been someone else's in
   * a generation it never saw, and committed further there. Starting from the larger of its
   * own position and the group's keeps its next commit from moving the group's offset back.
   */
  private async catchUpKept(): Promise<void> {
    const { groupId } = this.options;
    if (!groupId) return;
    for (const topic of new Set([...this.assigned.values()].map((a) => a.topic))) {
      let answer;
      try {
        answer = await retrying(() => this.client.groupOffsets(groupId, { topic }), this.closing.signal);
      } catch (err) {
        if (hasCode(err, 'GROUP_NOT_FOUND')) continue;
        throw err;
      }
      for (const p of answer.partitions) {
        const a = this.assigned.get(keyOf(topic, p.partition));
        if (!a || p.committedOffset === null || p.committedOffset <= a.consumed) continue;
        a.fetch?.abort();
        a.fetch = undefined;
        a.gen++;
        a.seekGen++;
        a.position = a.consumed = p.committedOffset;
        a.committed = p.committedOffset;
      }
    }
  }

  protected async rejoin(): Promise<void> {
    const reason = this.rejoinReason;
    this.rejoinReason = undefined;
    this.pendingView = undefined;
    await this.revoke([...this.assigned.values()], false);
    this.note(`${this.memberId} is no longer a member of ${this.options.groupId} (${reason}); joining again`);
    this.memberId = '';
    await this.join();
  }

  /** Drops partitions: auto-commits them if asked, calls `onRevoke`, forgets them. */
  private async revoke(lost: Assigned[], commit: boolean): Promise<void> {
    for (const a of lost) {
      a.fetch?.abort();
      a.fetch = undefined;
      a.gen++;
    }
    if (commit && this.options.autoCommit !== false && this.options.groupId) {
      const outcome = await this.commitNow(lost).catch((err: unknown) => err);
      if (outcome instanceof Error) this.note(`commit before revoke did not go through (${describe(outcome)}); the next owner reads those records again`);
    }
    await this.options.onRevoke?.(lost.map(tpOf).sort(byTp));
    for (const a of lost) this.assigned.delete(a.key);
  }

  /** Adds partitions at the group's positions (or the reset policy's end), then calls `onAssign`. */
  private async gain(gained: TopicPartition[]): Promise<void> {
    if (gained.length === 0) return;
    const { groupId } = this.options;
    const policy = this.options.resetPolicy ?? 'latest';
    for (const topic of [...new Set(gained.map((tp) => tp.topic))]) {
      let positions: Map<number, { position: number; committed: number | null; hw: number }> | undefined;
      if (groupId) {
        try {
          const answer = await retrying(() => this.client.groupOffsets(groupId, { topic }), this.closing.signal);
          if (this.mode === 'group') this.groupResetPolicy = answer.resetPolicy;
          positions = new Map(answer.partitions.filter((p) => p.topic === topic).map((p) => [p.partition, { position: p.position, committed: p.committedOffset, hw: p.highWatermark }]));
        } catch (err) {
          if (!hasCode(err, 'GROUP_NOT_FOUND')) throw err;
        }
      }
      for (const tp of gained.filter((x) => x.topic === topic)) {
        let start = positions?.get(tp.partition);
        if (!start || (start.committed === null && this.mode === 'manual')) {
          const offsets = await retrying(() => this.client.listOffsets(topic, tp.partition), this.closing.signal);
          start = { position: policy === 'earliest' ? offsets.logStartOffset : offsets.highWatermark, committed: start?.committed ?? null, hw: offsets.highWatermark };
        }
        const key = keyOf(topic, tp.partition);
        this.assigned.set(key, {
          topic,
          partition: tp.partition,
          key,
          position: start.position,
          consumed: start.position,
          committed: start.committed,
          highWatermark: start.hw,
          paused: false,
          gen: 0,
          seekGen: 0,
          notBefore: 0,
          failures: 0,
        });
      }
    }
    await this.options.onAssign?.([...gained].sort(byTp));
    this.wake();
  }

  // -------------------------------------------------------------------------
  // Commits

  /** Commits consumed positions that moved; answers a refusal as an error value, throws other failures. */
  private async commitNow(of: Assigned[], signal?: AbortSignal): Promise<void | SluiceApiError> {
    const { groupId } = this.options;
    if (!groupId) throw new Error('commits need a groupId');
    const moving = of.filter((a) => a.consumed !== a.committed).sort(byTp);
    if (moving.length === 0) return;
    const member = this.mode === 'group' ? { memberId: this.memberId, generation: this.generation } : {};
    const generation = this.generation;
    for (let i = 0; i < moving.length; i += OFFSETS_PER_COMMIT) {
      const chunk = moving.slice(i, i + OFFSETS_PER_COMMIT).map((a) => ({ a, offset: a.consumed }));
      try {
        await this.client.commitOffsets(groupId, { ...member, offsets: chunk.map(({ a, offset }) => ({ topic: a.topic, partition: a.partition, offset })) }, { signal });
      } catch (err) {
        if (this.mode === 'group' && (hasCode(err, 'ILLEGAL_GENERATION') || hasCode(err, 'PARTITION_NOT_ASSIGNED'))) {
          void this.heartbeat();
          return err as SluiceApiError;
        }
        if (this.mode === 'group' && hasCode(err, 'UNKNOWN_MEMBER')) {
          this.rejoinReason ??= describe(err);
          this.wake();
          return err as SluiceApiError;
        }
        throw err;
      }
      if (this.generation === generation) for (const { a, offset } of chunk) a.committed = offset;
    }
  }

  // -------------------------------------------------------------------------
  // Fetching

  private startFetches(): void {
    const now = Date.now();
    const waitMs = this.options.waitMs ?? DEFAULT_WAIT_MS;
    for (const a of this.assigned.values()) {
      if (a.fetch || a.paused || now < a.notBefore) continue;
      const waited = a.position >= a.highWatermark && waitMs > 0;
      const controller = new AbortController();
      a.fetch = controller;
      const { gen, key } = a;
      this.launchFetch(
        { topic: a.topic, partition: a.partition, from: a.position, maxRecords: this.options.fetchMaxRecords ?? DEFAULT_FETCH_MAX_RECORDS, encoding: this.options.encoding ?? 'base64', ...(waited && { waitMs }) },
        AbortSignal.any([this.closing.signal, controller.signal]),
        (outcome) => this.completions.push({ key, gen, ...outcome }),
      );
    }
  }

  private handle(c: Completion): ConsumerRecord[] | undefined {
    const a = this.assigned.get(c.key);
    if (!a || c.gen !== a.gen) return;
    a.fetch = undefined;
    if (a.position !== c.from) return;
    if (c.error !== undefined) {
      this.fetchFailed(a, c.error);
      return;
    }
    const page = c.page!;
    a.failures = 0;
    a.highWatermark = Math.max(a.highWatermark, page.highWatermark);
    a.position = Math.max(a.position, page.nextOffset);
    if (page.records.length === 0) {
      emptyPollBackoff(a, c, this.options.waitMs ?? DEFAULT_WAIT_MS);
      return;
    }
    return page.records.map((r) => ({ ...r, topic: a.topic, partition: a.partition }));
  }

  private fetchFailed(a: Assigned, error: unknown): void {
    // In group mode the group's policy, as for a partition it never committed (the server's position) and as in
    // GroupConsumer: members of one group must not reset differently, nor to `latest` by default when the group says
    // `earliest` (which would skip every record kept past a lapsed committed offset).
    const policy = (this.mode === 'group' ? this.groupResetPolicy : undefined) ?? this.options.resetPolicy ?? 'latest';
    const outcome = recoverFetch(error, a, a, policy, (m) => this.note(m));
    if (outcome === 'fatal') this.fatal = error;
    else if (outcome !== 'ignore') {
      // The reset replaces the position outright, the consumed one included, even when it goes back (a position past
      // the high watermark): keeping the larger would leave an offset past the log to be committed while the records
      // before it are read, and a next owner starting there, once the log grows past it, would skip the rest of them.
      a.position = outcome;
      a.consumed = outcome;
    }
  }
}
