import type { ConsumerRecord, ConsumerRunLimits, SluiceConsumerOptions } from './consumer-options';
import { type FetchOutcome, emptyAnswerBacksOff, emptyPollBackoff, launchFetch, recoverFetch } from './fetcher';
import { CALL_RETRIES, GroupMember, type MemberBinder } from './membership';
import { type Assigned, type TopicPartition, OFFSETS_PER_COMMIT, assignmentText, byTp, keyOf, moveTo, newAssigned, partitionsText, startPositions, tpOf } from './positions';
import { describe, hasCode, isRetriable, withRetries } from './retry';
import { SluiceApiError, type SluiceHttpClient } from './sluice-http-client';
import { TailWatcher, globalSocketFactory } from './tail-watcher';
import type { MembershipView, ResetPolicy } from './types';

interface Completion extends FetchOutcome {
  key: string;
  gen: number;
}

const DEFAULT_AUTO_COMMIT_MS = 5000;
const DEFAULT_FETCH_MAX_RECORDS = 500;
const DEFAULT_WAIT_MS = 10_000;
/** The commit and the leave on the way out give up after this long. */
const EXIT_CALL_TIMEOUT_MS = 10_000;
/** Refusal codes an auto-commit answers by a rebalance or a rejoin rather than by ending the iteration. */
const REFUSALS_TAKEN = ['ILLEGAL_GENERATION', 'PARTITION_NOT_ASSIGNED', 'UNKNOWN_MEMBER', 'GROUP_ACTIVE'];

/**
 * @internal The engine under `SluiceConsumer`: the loop that takes membership changes,
 * auto-commits, fetch outcomes and (for a bounded run) the end, one at a time; what a new
 * assignment means for the partitions held (revoke, gain, catching up with commits made
 * in a generation this member never saw); commits; and the fetches in flight. Membership
 * itself is `GroupMember`'s (membership.ts), fetching `fetcher.ts`'s, positions `positions.ts`'s.
 */
export abstract class ConsumerEngine extends GroupMember<Completion> {
  protected readonly options: SluiceConsumerOptions;
  protected readonly limits: ConsumerRunLimits;
  protected readonly assigned = new Map<string, Assigned>();
  protected mode: 'none' | 'group' | 'manual' = 'none';
  protected heartbeats: Promise<void> | undefined;
  protected starting: Promise<void> | undefined;
  protected nextCommitAt = Infinity;
  protected closed: Promise<void> | undefined;
  protected iterating = false;
  /** Group mode: the group's reset policy, as its positions last said. */
  protected groupResetPolicy: ResetPolicy | undefined;
  /** `stopAtEnd`: each partition's high watermark as of the start. */
  protected readonly ends = new Map<string, number>();
  /** Records handed out, and how many more may be (`maxRecords`). */
  protected delivered = 0;
  protected remaining: number;
  /** The first view adopted after each join is noted as the join. */
  protected joinNoted = false;
  /** The one connection this consumer waits on at the tail, when the client has a watch URL (made on first need). */
  protected watcher: TailWatcher | undefined;
  /** Whether a watcher was tried (made or found impossible), so it is made once. */
  private watcherMade = false;

  
  protected constructor(client: SluiceHttpClient, options: SluiceConsumerOptions = {}, limits: ConsumerRunLimits = {}) {
    if (options.topics && !options.groupId) throw new TypeError('topics need a groupId; use assign() without a group');
    super(client);
    this.options = options;
    this.limits = limits;
    this.remaining = limits.maxRecords ?? Infinity;
    if (options.topics) this.mode = 'group';
  }

  /** Joins the group (group mode); iteration does this by itself. Idempotent. */
  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  /** Stops: commits (auto-commit), leaves the group (group mode), ends any iteration. Idempotent. */
  close(): Promise<void> {
    this.closed ??= this.doClose();
    return this.closed;
  }

  protected commitInterval(): number {
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

  protected async doStart(): Promise<void> {
    if (this.mode !== 'group') return;
    // A bounded run reads up to the high watermarks as of now; a missing topic fails here, before joining.
    if (this.limits.stopAtEnd) {
      for (const topic of this.options.topics!) {
        const offsets = await withRetries(() => this.client.listTopicOffsets(topic), { retries: CALL_RETRIES, signal: this.closing.signal });
        for (const p of offsets.partitions) this.ends.set(keyOf(topic, p.partition), p.highWatermark);
      }
    }
    await this.join();
    this.heartbeats = this.heartbeatLoop();
    if (this.options.autoCommit !== false) this.nextCommitAt = Date.now() + this.commitInterval();
  }

  protected async doClose(): Promise<void> {
    this.closing.abort();
    this.wake();
    this.watcher?.close();
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
      const { groupId } = this.options;
      try {
        await this.client.leaveGroup(groupId!, this.memberId, { signal: AbortSignal.timeout(EXIT_CALL_TIMEOUT_MS) });
        this.note(`left ${groupId} (${this.memberId}) after ${this.delivered} record${this.delivered === 1 ? '' : 's'}`);
      } catch (err) {
        if (!hasCode(err, 'UNKNOWN_MEMBER')) this.note(`could not leave ${groupId} (${describe(err)}); its session will expire`);
      }
    }
  }

  /** The loop behind both iterators: one batch (non-empty, one partition) per step. */
  protected async *batchesRaw(): AsyncGenerator<ConsumerRecord[], void, undefined> {
    if (this.iterating) throw new Error('this consumer is already being iterated');
    this.iterating = true;
    try {
      await this.start();
      for (;;) {
        if (this.closing.signal.aborted || this.remaining <= 0) return;
        if (this.fatal !== undefined) throw this.fatal;
        if (await this.takeMembershipChange()) continue;
        if (Date.now() >= this.nextCommitAt) {
          const outcome = await this.commitNow([...this.assigned.values()]).catch((err: unknown) => err);
          if (outcome instanceof Error && !(outcome instanceof SluiceApiError && REFUSALS_TAKEN.includes(outcome.code)) && !isRetriable(outcome)) throw outcome;
          if (outcome instanceof Error) this.note(`auto-commit did not go through (${describe(outcome)})`);
          this.nextCommitAt = Date.now() + this.commitInterval();
          continue;
        }
        const c = this.completions.shift();
        if (c) {
          const batch = this.handle(c);
          if (batch && batch.length > 0) {
            this.delivered += batch.length;
            this.remaining -= batch.length;
            yield batch;
          }
          continue;
        }
        if (this.limits.stopAtEnd && this.mode === 'group' && this.settled && this.caughtUp()) {
          if (await this.commitAtEnd()) return;
          // Refused: a heartbeat was sent and a new view is on its way; do not spin meanwhile.
          if (!this.pendingView && this.rejoinReason === undefined) await this.waitForEvent(250);
          continue;
        }
        this.startFetches();
        await this.waitForEvent(this.nextWakeIn());
      }
    } finally {
      this.iterating = false;
    }
  }

  /** `stopAtEnd`: every held partition has reached its end, with nothing in flight. */
  protected caughtUp(): boolean {
    for (const a of this.assigned.values()) if (a.fetch || a.position < a.end) return false;
    return true;
  }

  /** `stopAtEnd`: commits every held partition, moved or not, to learn that the generation is still current; answers whether it went through. */
  protected async commitAtEnd(): Promise<boolean> {
    const generation = this.generation;
    try {
      const outcome = await this.commitNow([...this.assigned.values()], undefined, true);
      if (!(outcome instanceof Error)) return true;
      this.note(`commit refused in generation ${generation} (${describe(outcome)}); taking the new assignment`);
    } catch (err) {
      if (!isRetriable(err)) throw err;
      this.note(`commit failed (${describe(err)}); trying again later`);
    }
    return false;
  }

  protected nextWakeIn(): number {
    const now = Date.now();
    let at = Math.min(this.nextCommitAt, now + 60_000);
    for (const a of this.assigned.values()) if (!a.fetch && !a.paused && a.position < a.end && a.notBefore > now) at = Math.min(at, a.notBefore);
    return Math.max(0, at - now);
  }

  // -------------------------------------------------------------------------
  // Membership

  protected async join(): Promise<void> {
    await this.joinGroup({ ...this.options, topics: this.options.topics! }, this.closing.signal);
    // The join's own view has no assignment yet; the first heartbeat brings it, and the note.
    this.joinNoted = false;
  }

  protected partitionsOf(view: MembershipView): TopicPartition[] {
    const topics = new Set(this.options.topics);
    const seen = new Map<string, TopicPartition>();
    for (const t of view.assignment) if (topics.has(t.topic)) for (const p of t.partitions) seen.set(keyOf(t.topic, p), { topic: t.topic, partition: p });
    return [...seen.values()].sort(byTp);
  }

  protected async adopt(view: MembershipView): Promise<void> {
    this.pendingView = undefined;
    const mine = this.partitionsOf(view);
    const mineKeys = new Set(mine.map((tp) => keyOf(tp.topic, tp.partition)));
    const dropped = [...this.assigned.values()].filter((a) => !mineKeys.has(a.key));
    const lost = dropped.map(tpOf);
    // Commit what was consumed of the lost partitions while the old generation may still be current.
    if (dropped.length > 0) await this.revoke(dropped, true);
    const previous = this.generation;
    this.generation = view.generation;
    this.heartbeatIntervalMs = view.heartbeatIntervalMs;
    if (!view.rebalanceInProgress) this.settled = true;
    const gained = mine.filter((tp) => !this.assigned.has(keyOf(tp.topic, tp.partition)));
    await this.gain(gained);
    if (previous !== view.generation) await this.catchUpKept();
    const { groupId } = this.options;
    if (!this.joinNoted) {
      this.joinNoted = true;
      this.note(`joined ${groupId} as ${this.memberId}, generation ${view.generation}, ${assignmentText(mine)}`);
    } else if (previous !== view.generation || lost.length > 0 || gained.length > 0) {
      const changes = [gained.length > 0 && `gained ${partitionsText(gained)}`, lost.length > 0 && `lost ${partitionsText(lost)}`].filter(Boolean);
      this.note(`rebalanced: generation ${view.generation}, ${assignmentText(mine)}${changes.length > 0 ? ` (${changes.join('; ')})` : ''}`);
    }
  }

  /**
   * After a generation change, a partition this member kept may have been someone else's in
   * a generation it never saw, and committed further there. Starting from the larger of its
   * own position and the group's keeps its next commit from moving the group's offset back.
   */
  protected async catchUpKept(): Promise<void> {
    const { groupId } = this.options;
    if (!groupId) return;
    for (const topic of new Set([...this.assigned.values()].map((a) => a.topic))) {
      let answer;
      try {
        answer = await withRetries(() => this.client.groupOffsets(groupId, { topic }), { retries: CALL_RETRIES, signal: this.closing.signal });
      } catch (err) {
        if (hasCode(err, 'GROUP_NOT_FOUND')) continue;
        throw err;
      }
      for (const p of answer.partitions) {
        const a = this.assigned.get(keyOf(topic, p.partition));
        if (!a || p.committedOffset === null || p.committedOffset <= a.consumed) continue;
        moveTo(a, p.committedOffset);
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
  protected async revoke(lost: Assigned[], commit: boolean): Promise<void> {
    for (const a of lost) {
      a.fetch?.abort();
      a.fetch = undefined;
      a.gen++;
      this.watcher?.disarm(a.topic, a.partition);
    }
    if (commit && this.options.autoCommit !== false && this.options.groupId) {
      const outcome = await this.commitNow(lost).catch((err: unknown) => err);
      if (outcome instanceof Error) this.note(`commit before revoke did not go through (${describe(outcome)}); the next owner reads those records again`);
    }
    await this.options.onRevoke?.(lost.map(tpOf).sort(byTp));
    for (const a of lost) this.assigned.delete(a.key);
  }

  /** Adds partitions at the group's positions (or the reset policy's end), then calls `onAssign`. */
  protected async gain(gained: TopicPartition[]): Promise<void> {
    if (gained.length === 0) return;
    const policy = this.options.resetPolicy ?? 'latest';
    for (const topic of [...new Set(gained.map((tp) => tp.topic))]) {
      const partitions = gained.filter((x) => x.topic === topic).map((x) => x.partition);
      const where = { topic, partitions, policy, manual: this.mode === 'manual', ...(this.options.groupId && { groupId: this.options.groupId }) };
      const { starts, groupResetPolicy } = await startPositions(this.client, where, this.closing.signal);
      if (this.mode === 'group' && groupResetPolicy) this.groupResetPolicy = groupResetPolicy;
      for (const partition of partitions) {
        const start = starts.get(partition)!;
        const key = keyOf(topic, partition);
        const end = this.limits.stopAtEnd ? (this.ends.get(key) ?? start.highWatermark) : Infinity;
        this.assigned.set(key, newAssigned({ topic, partition }, start, end));
      }
    }
    await this.options.onAssign?.([...gained].sort(byTp));
    this.wake();
  }

  // -------------------------------------------------------------------------
  // Commits

  /** Commits consumed positions that moved (`all`: every one); answers a refusal as an error value, throws other failures. */
  protected async commitNow(of: Assigned[], signal?: AbortSignal, all = false): Promise<void | SluiceApiError> {
    const { groupId } = this.options;
    if (!groupId) throw new Error('commits need a groupId');
    const moving = of.filter((a) => all || a.consumed !== a.committed).sort(byTp);
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

  protected startFetches(): void {
    const now = Date.now();
    const waitMs = this.options.waitMs ?? DEFAULT_WAIT_MS;
    const maxRecords = Math.max(1, Math.min(this.options.fetchMaxRecords ?? DEFAULT_FETCH_MAX_RECORDS, this.remaining));
    const toArm: { topic: string; partition: number; offset: number }[] = [];
    for (const a of this.assigned.values()) {
      if (a.fetch || a.paused || now < a.notBefore || a.position >= a.end) continue;
      // A bounded run reads below its ends only: nothing there to wait for.
      const atTail = !this.limits.stopAtEnd && a.position >= a.highWatermark && !a.woken;
      if (atTail && a.longPoll === undefined && this.tailWatcher()?.available) {
        // Wait on the consumer's one connection: armed once per position, answered by `ready` (onWatchReady).
        if (a.armed !== a.position) {
          a.armed = a.position;
          toArm.push({ topic: a.topic, partition: a.partition, offset: a.position });
        }
        continue;
      }
      const waited = atTail && waitMs > 0;
      if (waited && a.longPoll === 'once') a.longPoll = undefined;
      a.woken = false;
      const controller = new AbortController();
      a.fetch = controller;
      const { gen, key } = a;
      launchFetch(
        this.client,
        { topic: a.topic, partition: a.partition, from: a.position, maxRecords, encoding: this.options.encoding ?? 'base64', ...(waited && { waitMs }) },
        AbortSignal.any([this.closing.signal, controller.signal]),
        (outcome) => this.complete({ key, gen, ...outcome }),
      );
    }
    if (toArm.length > 0) this.watcher!.arm(toArm);
  }

  /**
   * Group mode with a watch URL: the membership is bound to the consumer's one watch
   * connection (no HTTP heartbeats while bound; docs/design.md, "Consumer groups").
   */
  protected override memberBinder(): MemberBinder | undefined {
    return this.mode === 'group' ? this.tailWatcher() : undefined;
  }

  /** The watcher, made on first need when the client has a watch URL and the run waits at the tail at all. */
  protected tailWatcher(): TailWatcher | undefined {
    if (this.watcherMade) return this.watcher;
    this.watcherMade = true;
    const { watchUrl } = this.client;
    if (watchUrl === undefined || this.limits.stopAtEnd) return undefined;
    const socket = this.client.webSocket ?? globalSocketFactory();
    if (!socket) {
      this.note(`this runtime has no WebSocket, so the watch URL goes unused: long-polling at the tail`);
      return undefined;
    }
    this.watcher = new TailWatcher({
      connectUrl: () => this.client.watchConnectUrl(),
      socket,
      onReady: (topic, partition) => this.onWatchReady(topic, partition),
      onRefused: (topic, partition, error) => this.onWatchRefused(topic, partition, error),
      onAvailability: () => this.onWatchAvailability(),
      onBound: (_group, memberId, generation) => this.memberBound(memberId, generation),
      onUnbound: () => this.memberUnbound('its connection ended'),
      onBindRefused: (error) => {
        this.note(`the watch connection will not keep ${this.memberId} (${describe(error)}); heartbeating over HTTP`);
        this.memberUnbound();
      },
      onRebalance: (group, generation) => this.rebalanceNoticed(group, generation),
      note: (message) => this.note(message),
    });
    return this.watcher;
  }

  /** A watched partition moved (or a stale or repeated notice came): fetch it, without waiting; at the tail again, it is armed again. */
  protected onWatchReady(topic: string, partition: number): void {
    const a = this.assigned.get(keyOf(topic, partition));
    if (!a) return;
    a.armed = undefined;
    a.woken = true;
    this.wake();
  }

  /**
   * The server would not watch a partition: it long-polls instead, for one wait when the
   * refusal may pass, while held otherwise. A refusal a fetch shares (ACCESS_DENIED, the
   * topic gone) then ends the iteration as that fetch's error, as without a watch.
   */
  protected onWatchRefused(topic: string, partition: number, error: SluiceApiError): void {
    const a = this.assigned.get(keyOf(topic, partition));
    if (!a) return;
    a.armed = undefined;
    a.longPoll = error.retriable ? 'once' : 'always';
    if (!error.retriable) this.note(`${topic}/${partition}: the server will not watch it (${describe(error)}); long-polling it`);
    this.wake();
  }

  /** The watch went away (every watch dropped: long-poll) or came back (arm again at the tail). */
  protected onWatchAvailability(): void {
    for (const a of this.assigned.values()) a.armed = undefined;
    this.wake();
  }
  protected handle(c: Completion): ConsumerRecord[] | undefined {
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
    // A bounded run hands out nothing at or past the partition's end, nor past `maxRecords`.
    const belowEnd = page.records.filter((r) => r.offset < a.end);
    const take = belowEnd.slice(0, Math.max(0, this.remaining));
    if (take.length < belowEnd.length) a.position = take.at(-1)!.offset + 1;
    else a.position = Math.max(a.position, Math.min(page.nextOffset, a.end));
    if (emptyAnswerBacksOff(page, this.watcher?.available === true && a.longPoll === undefined)) emptyPollBackoff(a, c, this.options.waitMs ?? DEFAULT_WAIT_MS);
    // An answer that reached the tail: the next fetch of this partition waits out the interval, gathering what commits meanwhile.
    const interval = this.options.tailFetchIntervalMs ?? 0;
    if (interval > 0 && page.nextOffset >= page.highWatermark) a.notBefore = Math.max(a.notBefore, c.startedAt + interval);
    return take.map((r) => ({ ...r, topic: a.topic, partition: a.partition }));
  }

  protected fetchFailed(a: Assigned, error: unknown): void {
    // In group mode the group's policy, as for a partition it never committed (the server's position): members of
    // one group must not reset differently, nor to `latest` by default when the group says `earliest` (which would
    // skip every record kept past a lapsed committed offset).
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
