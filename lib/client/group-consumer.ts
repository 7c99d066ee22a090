import { SluiceApiError, SluiceConnectionError, type SluiceHttpClient } from './sluice-http-client';
import type { AssignorName, Encoding, FetchResponse, FetchedRecord, MembershipView, ResetPolicy } from './types';

/** What `GroupConsumer` reads, how, and where the records go. */
export interface GroupConsumerOptions {
  group: string;
  topic: string;
  /** Sent on join; the server's default (30 s) when omitted. */
  sessionTimeoutMs?: number;
  /** Sent on join; the first member's setting becomes the group's. */
  resetPolicy?: ResetPolicy;
  assignor?: AssignorName;
  clientId?: string;
  /** Keep reading at the tail until stopped; otherwise stop when caught up to the high watermarks as of the start. */
  follow: boolean;
  /** Stop after delivering this many records. */
  maxRecords?: number;
  commitIntervalMs: number;
  /** Records per fetch, 1–10,000; 500 by default. */
  fetchMaxRecords?: number;
  /** How long a fetch at the tail waits for new records when following; 10,000 by default (the server allows up to 20,000). */
  waitMs?: number;
  /** How fetched records come; base64 by default. */
  encoding?: Encoding;
  /** Takes records of one partition, in offset order; the consumer commits past them only once this resolves. */
  deliver(partition: number, records: FetchedRecord[]): Promise<void>;
  /** Called before each commit: make sure what was delivered is out (for example, stdout flushed). */
  flush?(): Promise<void>;
  /** Progress and rebalance notes for a human. */
  note?(message: string): void;
  /** Aborting stops the consumer: it commits what it delivered and leaves. */
  signal?: AbortSignal;
}

export interface GroupConsumerResult {
  /** Why it stopped. */
  reason: 'caught-up' | 'max-records' | 'stopped';
  records: number;
  memberId: string;
  generation: number;
  /** The offsets this member last committed, by partition (only partitions it owned at the end). */
  committed: Map<number, number>;
}

const DEFAULT_FETCH_MAX_RECORDS = 500;
const DEFAULT_WAIT_MS = 10_000;
/** Heartbeat at least this often while a rebalance concerning this member is in progress. */
const REBALANCE_HEARTBEAT_MS = 200;
/** The server accepts at most this many offsets per commit. */
const OFFSETS_PER_COMMIT = 98;
/** The commit and the leave on the way out give up after this long. */
const EXIT_CALL_TIMEOUT_MS = 10_000;
/** After an empty answer that was not a full long-poll, fetch that partition again no sooner than this. */
const EMPTY_POLL_BACKOFF_MS = 500;

// ---------------------------------------------------------------------------
// The membership and fetch plumbing shared with SluiceConsumer

/** What a join sends besides the group. */
export interface JoinSettings {
  topics: string[];
  sessionTimeoutMs?: number;
  resetPolicy?: ResetPolicy;
  assignor?: AssignorName;
  clientId?: string;
}

/** How a fetch started by `GroupMemberBase.launchFetch` ended. */
export interface FetchOutcome {
  from: number;
  waited: boolean;
  startedAt: number;
  page?: FetchResponse;
  error?: unknown;
}

/** A partition's fetch state, as `recoverFetch` and `emptyPollBackoff` read and update it. */
export interface FetchBackoff {
  failures: number;
  notBefore: number;
}

/**
 * @internal The part of a group member that GroupConsumer and SluiceConsumer share: joining,
 * heartbeating in the background (faster while a rebalance concerning this member is in
 * progress), noticing a new generation or assignment (`pendingView`) or the loss of
 * membership (`rejoinReason`), waking the loop, and starting fetches whose outcomes queue up
 * in `completions`. What a view means for the partitions held is up to the subclass.
 */
export abstract class GroupMemberBase<C> {
  protected readonly client: SluiceHttpClient;
  protected readonly completions: C[] = [];
  protected memberId = '';
  protected generation = -1;
  protected heartbeatIntervalMs = 3000;
  /** True once a view without a rebalance in progress was adopted since the last join. */
  protected settled = false;
  protected lastViewRebalancing = true;
  protected pendingView: MembershipView | undefined;
  protected rejoinReason: string | undefined;
  protected fatal: unknown;
  protected readonly closing = new AbortController();
  private heartbeatFailing = false;
  private wakeUp: (() => void) | undefined;

  protected constructor(client: SluiceHttpClient) {
    this.client = client;
  }

  /** The group this member belongs to. */
  protected abstract groupName(): string;
  /** Progress and rebalance notes. */
  protected abstract note(message: string): void;
  /** True when the loop should stop waiting for good. */
  protected abstract stopping(): boolean;
  /** True when the view assigns exactly the partitions held. */
  protected abstract holds(view: MembershipView): boolean;

  /** Switches to a view's generation and assignment. */
  protected abstract adopt(view: MembershipView): Promise<void>;
  /** Joins again as a new member, after the old membership was lost. */
  protected abstract rejoin(): Promise<void>;

  /** Rejoins or adopts a pending view, if either is due; answers whether it did. */
  protected async takeMembershipChange(): Promise<boolean> {
    if (this.rejoinReason !== undefined) {
      await this.rejoin();
      return true;
    }
    if (this.pendingView) {
      await this.adopt(this.pendingView);
      return true;
    }
    return false;
  }

  protected wake(): void {
    this.wakeUp?.();
  }

  /** Waits up to `ms` for a fetch outcome, a view to adopt, a rejoin, a failure or a stop. */
  protected waitForEvent(ms: number): Promise<void> {
    if (this.completions.length > 0 || this.pendingView || this.rejoinReason !== undefined || this.fatal !== undefined || this.stopping()) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  /** Joins (retrying), and takes the member id, generation and heartbeat interval; the assignment comes with the first heartbeat. */
  protected async joinGroup(settings: JoinSettings, signal?: AbortSignal): Promise<MembershipView> {
    const { topics, sessionTimeoutMs, resetPolicy, assignor, clientId } = settings;
    const view = await retrying(
      () =>
        this.client.joinGroup(this.groupName(), {
          topics,
          ...(sessionTimeoutMs !== undefined && { sessionTimeoutMs }),
          ...(resetPolicy !== undefined && { resetPolicy }),
          ...(assignor !== undefined && { assignor }),
          ...(clientId !== undefined && { clientId }),
        }),
      signal,
    );
    this.memberId = view.memberId;
    this.generation = view.generation;
    this.heartbeatIntervalMs = view.heartbeatIntervalMs;
    this.settled = false;
    this.lastViewRebalancing = true;
    return view;
  }

  protected async heartbeatLoop(): Promise<void> {
    const stop = this.closing.signal;
    while (!stop.aborted) {
      const rebalancing = !this.settled || this.lastViewRebalancing;
      await sleep(rebalancing ? Math.min(REBALANCE_HEARTBEAT_MS, this.heartbeatIntervalMs) : this.heartbeatIntervalMs, stop);
      if (stop.aborted) return;
      await this.heartbeat();
    }
  }

  /** Sends one heartbeat and records what it says; never throws. */
  protected async heartbeat(): Promise<void> {
    const memberId = this.memberId;
    if (!memberId || this.rejoinReason !== undefined) return;
    try {
      const view = await this.client.heartbeat(this.groupName(), memberId, { signal: this.closing.signal });
      if (memberId !== this.memberId) return; // rejoined meanwhile
      if (this.heartbeatFailing) this.note(`heartbeats of ${memberId} go through again`);
      this.heartbeatFailing = false;
      this.observe(view);
    } catch (err) {
      if (memberId !== this.memberId || this.closing.signal.aborted) return;
      if (hasCode(err, 'UNKNOWN_MEMBER')) {
        this.rejoinReason = describe(err);
        this.wake();
      } else if (isRetriable(err)) {
        if (!this.heartbeatFailing) this.note(`heartbeat failed (${describe(err)}); retrying`);
        this.heartbeatFailing = true;
      } else {
        this.fatal = err;
        this.wake();
      }
    }
  }

  /** Takes note of a heartbeat's view: a new generation, or a settled assignment that differs from the one held, is adopted by the loop. */
  private observe(view: MembershipView): void {
    if (view.generation < this.generation) return; // an older answer overtaken by a newer one
    if (this.pendingView && view.generation < this.pendingView.generation) return;
    this.lastViewRebalancing = view.rebalanceInProgress;
    const newGeneration = view.generation !== this.generation;
    const newAssignment = !view.rebalanceInProgress && !this.holds(view);
    if (newGeneration || newAssignment || (!view.rebalanceInProgress && !this.settled)) {
      this.pendingView = view;
      this.wake();
    }
  }

  /** Fetches one partition in the background; `done` gets the outcome (then the loop is woken). */
  protected launchFetch(
    target: { topic: string; partition: number; from: number; maxRecords: number; encoding: Encoding; waitMs?: number },
    signal: AbortSignal,
    done: (outcome: FetchOutcome) => void,
  ): void {
    const { topic, partition, from, maxRecords, encoding, waitMs } = target;
    const waited = waitMs !== undefined;
    const startedAt = Date.now();
    this.client
      .fetchRecords(topic, partition, { offset: from, maxRecords, encoding, ...(waited && { waitMs }) }, { signal })
      .then(
        (page) => done({ from, waited, startedAt, page }),
        (error: unknown) => done({ from, waited, startedAt, error }),
      )
      .finally(() => this.wake());
  }
}

/**
 * @internal After an empty answer that was not a full long-poll (a server that does not wait), or a read below
 * the high watermark that found nothing: back off a little rather than spin.
 */
export function emptyPollBackoff(p: FetchBackoff, outcome: FetchOutcome, waitMs: number): void {
  if (!outcome.waited || Date.now() - outcome.startedAt < waitMs / 2) p.notBefore = outcome.startedAt + Math.min(Math.max(waitMs, 50), EMPTY_POLL_BACKOFF_MS);
}

/**
 * @internal Answers a failed fetch: 'ignore' (aborted, or a retriable failure: `p` backs off), the offset to
 * go on from (out of range: reset by `policy`), or 'fatal'.
 */
export function recoverFetch(error: unknown, p: FetchBackoff, where: { topic: string; partition: number; position: number }, policy: ResetPolicy, note: (message: string) => void): 'ignore' | 'fatal' | number {
  if (isAbort(error)) return 'ignore';
  if (hasCode(error, 'OFFSET_OUT_OF_RANGE') && error instanceof SluiceApiError) {
    const start = Number(error.details.logStartOffset);
    const hw = Number(error.details.highWatermark);
    const to = policy === 'earliest' ? start : hw;
    if (Number.isSafeInteger(to)) {
      note(`${where.topic}/${where.partition}: offset ${where.position} is out of range ${start}..${hw}; resetting to ${policy} (${to})`);
      return to;
    }
  }
  if (isRetriable(error) && p.failures < 8) {
    p.failures++;
    // A refusal that says when to come back (a quota's 429 with retryAfterSeconds) is not asked again sooner: that
    // would only be refused again, and spend the failures allowed before giving up.
    const retryAfter = error instanceof SluiceApiError ? Number(error.details.retryAfterSeconds) : NaN;
    p.notBefore = Date.now() + Math.max(Math.min(250 * 2 ** (p.failures - 1), 8000), Number.isFinite(retryAfter) ? retryAfter * 1000 : 0);
    if (p.failures === 1) note(`fetching ${where.topic}/${where.partition} failed (${describe(error)}); retrying`);
    return 'ignore';
  }
  return 'fatal';
}

interface OwnedPartition {
  partition: number;
  /** The next offset to deliver. */
  next: number;
  /** The group's committed offset as last known (read, or committed by this member). */
  committed: number | null;
  /** Without follow: stop here, the high watermark as of the start. */
  end: number;
  highWatermark: number;
  fetch?: AbortController;
  /** Do not fetch again before this time (backoff). */
  notBefore: number;
  failures: number;
}

interface Completion extends FetchOutcome {
  partition: number;
  epoch: number;
}

type CommitOutcome = 'ok' | 'rebalance' | 'rejoin' | 'retry';

/**
 * A member of a consumer group reading one topic over the HTTP API, at least once:
 * records are handed to `deliver` first, and an offset is committed only past records
 * whose `deliver` has returned (and after `flush`).
 *
 * The loop:
 * - join, then heartbeat in the background every `heartbeatIntervalMs` the server
 *   answered (faster while a rebalance concerning this member is in progress, so a
 *   new member learns its partitions quickly);
 * - when a heartbeat shows a new generation or a different assignment, drop the
 *   partitions lost (abandoning their in-flight fetches), and read the group's
 *   positions (`GET /v1/groups/{g}/offsets`) for the others: a gained partition starts
 *   at the group's position, a kept one at the larger of its own and the group's;
 * - fetch every owned partition, one request in flight per partition so each is
 *   delivered in offset order; when following, a partition at its high watermark is
 *   long-polled (`waitMs`), the others are read without waiting;
 * - commit the delivered positions every `commitIntervalMs` with the member id and
 *   generation; `ILLEGAL_GENERATION` or `PARTITION_NOT_ASSIGNED` make it heartbeat at once
 *   and take the new assignment, `UNKNOWN_MEMBER` (from a commit or a heartbeat) makes it
 *   join again as a new member;
 * - without `follow`, it stops once it holds a settled assignment whose partitions have
 *   all reached their high watermark as of the start and a commit of all of them has
 *   succeeded in the current generation (a refused one means a rebalance: it takes the
 *   new assignment and goes on); it also stops after `maxRecords` or when `signal` aborts;
 * - on stopping it commits what it delivered (best effort) and leaves the group.
 *
 * Why this is at least once: the group's committed offset of a partition only ever
 * comes from a member that delivered every record before it (it commits its own
 * `next`, advanced only past delivered records, or the position it started from), and
 * a commit is accepted only from the partition's owner in the current generation. A new
 * owner starts at the committed offset, so every record at or past it is delivered again
 * by someone; records a member delivered but could not commit are delivered again by
 * the next owner (duplicates, never gaps). A kept partition starts at the larger of
 * the member's own position and the group's, so a commit never moves the offset back.
 */
export class GroupConsumer extends GroupMemberBase<Completion> {
  private readonly options: GroupConsumerOptions;
  private readonly owned = new Map<number, OwnedPartition>();
  /** Start-of-run high watermarks, the end points without follow. */
  private ends = new Map<number, number>();
  private joinedNoted = false;
  /** Bumped on every adoption and rejoin; fetch results of an older epoch are dropped. */
  private epoch = 0;
  private remaining: number;
  private delivered = 0;
  private nextCommitAt = 0;
  private resetPolicy: ResetPolicy | undefined;

  constructor(client: SluiceHttpClient, options: GroupConsumerOptions) {
    super(client);
    this.options = options;
    this.remaining = options.maxRecords ?? Infinity;
  }

  async run(): Promise<GroupConsumerResult> {
    const { signal } = this.options;
    const onAbort = (): void => this.wake();
    signal?.addEventListener('abort', onAbort);
    let reason: GroupConsumerResult['reason'] | undefined;
    let heartbeats: Promise<void> | undefined;
    try {
      const described = await retrying(() => this.client.describeTopic(this.options.topic), signal);
      this.ends = new Map((described.partitionOffsets ?? []).map((p) => [p.partition, p.highWatermark]));
      if (signal?.aborted) return this.result('stopped');
      await this.join();
      heartbeats = this.heartbeatLoop();
      reason = await this.loop();
      return this.result(reason);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.closing.abort();
      for (const owned of this.owned.values()) owned.fetch?.abort();
      await heartbeats;
      if (this.memberId) {
        // Caught up: the last commit already succeeded. Otherwise keep what was delivered, if the generation allows.
        if (reason !== 'caught-up') await this.commitOnExit();
        await this.leave();
      }
    }
  }

  private result(reason: GroupConsumerResult['reason']): GroupConsumerResult {
    const committed = new Map<number, number>();
    for (const o of this.owned.values()) if (o.committed !== null) committed.set(o.partition, o.committed);
    return { reason, records: this.delivered, memberId: this.memberId, generation: this.generation, committed };
  }

  protected note(message: string): void {
    this.options.note?.(message);
  }

  protected groupName(): string {
    return this.options.group;
  }

  protected stopping(): boolean {
    return this.options.signal?.aborted === true;
  }

  protected holds(view: MembershipView): boolean {
    return sameNumbers(partitionsOf(view, this.options.topic), [...this.owned.keys()].sort((a, b) => a - b));
  }

  // -------------------------------------------------------------------------

  private async loop(): Promise<GroupConsumerResult['reason']> {
    const { follow, commitIntervalMs, signal } = this.options;
    this.nextCommitAt = Date.now() + commitIntervalMs;
    for (;;) {
      if (this.fatal !== undefined) throw this.fatal;
      if (signal?.aborted) return 'stopped';
      if (this.remaining <= 0) return 'max-records';
      if (await this.takeMembershipChange()) continue;
      if (Date.now() >= this.nextCommitAt) {
        await this.commit(false);
        this.nextCommitAt = Date.now() + commitIntervalMs;
        continue;
      }
      const completion = this.completions.shift();
      if (completion) {
        await this.handle(completion);
        continue;
      }
      if (!follow && this.settled && this.caughtUp()) {
        const outcome = await this.commit(true);
        if (outcome === 'ok') return 'caught-up';
        // Refused: a heartbeat was sent and a new view is on its way; do not spin meanwhile.
        if (!this.pendingView && this.rejoinReason === undefined) await this.waitForEvent(250);
        continue;
      }
      this.startFetches();
      await this.waitForEvent(this.nextWakeIn());
    }
  }

  private caughtUp(): boolean {
    for (const o of this.owned.values()) if (o.fetch || o.next < o.end) return false;
    return true;
  }

  private nextWakeIn(): number {
    const now = Date.now();
    let at = this.nextCommitAt;
    for (const o of this.owned.values()) if (!o.fetch && o.notBefore > now && (this.options.follow || o.next < o.end)) at = Math.min(at, o.notBefore);
    return Math.max(0, at - now);
  }

  // -------------------------------------------------------------------------
  // Membership

  private async join(): Promise<void> {
    const { topic, signal } = this.options;
    await this.joinGroup({ ...this.options, topics: [topic] }, signal);
    this.joinedNoted = false;
    // The join's own view has no assignment yet; the first heartbeat brings it.
  }

  /** Switches to a view's generation and assignment: drops lost partitions, reads the group's positions for the others. */
  protected async adopt(view: MembershipView): Promise<void> {
    const { topic, follow, group, signal } = this.options;
    this.pendingView = undefined;
    this.epoch++;
    this.completions.length = 0;
    for (const o of this.owned.values()) {
      o.fetch?.abort();
      o.fetch = undefined;
    }
    const mine = partitionsOf(view, topic);
    const lost = [...this.owned.keys()].filter((p) => !mine.includes(p)).sort((a, b) => a - b);
    const gained = mine.filter((p) => !this.owned.has(p));
    const previousGeneration = this.generation;
    this.generation = view.generation;
    this.heartbeatIntervalMs = view.heartbeatIntervalMs;
    if (!view.rebalanceInProgress) this.settled = true;
    for (const p of lost) this.owned.delete(p);

    if (mine.length > 0) {
      const positions = await retrying(() => this.client.groupOffsets(group, { topic }), signal);
      if (this.resetPolicy === undefined && this.options.resetPolicy !== undefined && positions.resetPolicy !== this.options.resetPolicy) {
        this.note(`group ${group} resets to ${positions.resetPolicy}, as its first member set; the reset policy given is not used`);
      }
      this.resetPolicy = positions.resetPolicy;
      for (const p of mine) {
        const position = positions.partitions.find((x) => x.topic === topic && x.partition === p);
        if (!position) throw new Error(`group ${group} reported no position for ${topic}/${p}`);
        const held = this.owned.get(p);
        if (held) {
          // Kept: nobody else could commit it in between, unless it went away and came back; never go back on either.
          held.next = Math.max(held.next, position.position);
          held.committed = position.committedOffset;
          held.highWatermark = Math.max(held.highWatermark, position.highWatermark);
        } else {
          this.owned.set(p, {
            partition: p,
            next: position.position,
            committed: position.committedOffset,
            end: follow ? Infinity : (this.ends.get(p) ?? position.highWatermark),
            highWatermark: position.highWatermark,
            notBefore: 0,
            failures: 0,
          });
        }
      }
    }

    const list = listOf(topic, mine);
    if (!this.joinedNoted) {
      this.joinedNoted = true;
      this.note(`joined ${group} as ${this.memberId}, generation ${view.generation}, ${list}`);
    } else if (previousGeneration !== view.generation || lost.length > 0 || gained.length > 0) {
      const changes = [gained.length > 0 && `gained ${topic}/${gained.join(',')}`, lost.length > 0 && `lost ${topic}/${lost.join(',')}`].filter(Boolean);
      this.note(`rebalanced: generation ${view.generation}, ${list}${changes.length > 0 ? ` (${changes.join('; ')})` : ''}`);
    }
  }

  protected async rejoin(): Promise<void> {
    const reason = this.rejoinReason;
    this.rejoinReason = undefined;
    this.pendingView = undefined;
    this.epoch++;
    this.completions.length = 0;
    for (const o of this.owned.values()) o.fetch?.abort();
    this.owned.clear();
    const old = this.memberId;
    this.memberId = '';
    this.note(`${old} is no longer a member of ${this.options.group} (${reason}); joining again`);
    await this.join();
  }

  private async leave(): Promise<void> {
    const memberId = this.memberId;
    try {
      await this.client.leaveGroup(this.options.group, memberId, { signal: AbortSignal.timeout(EXIT_CALL_TIMEOUT_MS) });
      this.note(`left ${this.options.group} (${memberId}) after ${this.delivered} record${this.delivered === 1 ? '' : 's'}`);
    } catch (err) {
      if (!hasCode(err, 'UNKNOWN_MEMBER')) this.note(`could not leave ${this.options.group} (${describe(err)}); its session will expire`);
    }
  }

  // -------------------------------------------------------------------------
  // Commits

  /**
   * Commits the delivered position of owned partitions: those that moved (`all`: every
   * one, to confirm the generation is still current). Never throws for a refusal that a
   * rebalance or a rejoin answers.
   */
  private async commit(all: boolean, signal?: AbortSignal): Promise<CommitOutcome> {
    const { group, topic } = this.options;
    const owned = [...this.owned.values()].filter((o) => all || o.committed !== o.next).sort((a, b) => a.partition - b.partition);
    if (owned.length === 0) return 'ok';
    await this.options.flush?.();
    const generation = this.generation;
    const memberId = this.memberId;
    for (let i = 0; i < owned.length; i += OFFSETS_PER_COMMIT) {
      const chunk = owned.slice(i, i + OFFSETS_PER_COMMIT).map((o) => ({ partition: o.partition, offset: o.next }));
      try {
        await this.client.commitOffsets(group, { memberId, generation, offsets: chunk.map((c) => ({ topic, ...c })) }, { signal });
      } catch (err) {
        if (hasCode(err, 'ILLEGAL_GENERATION') || hasCode(err, 'PARTITION_NOT_ASSIGNED')) {
          this.note(`commit refused in generation ${generation} (${describe(err)}); taking the new assignment`);
          await this.heartbeat();
          return 'rebalance';
        }
        if (hasCode(err, 'UNKNOWN_MEMBER')) {
          this.rejoinReason ??= describe(err);
          return 'rejoin';
        }
        if (isRetriable(err)) {
          this.note(`commit failed (${describe(err)}); trying again later`);
          return 'retry';
        }
        throw err;
      }
      for (const c of chunk) {
        const o = this.owned.get(c.partition);
        if (o && this.generation === generation) o.committed = c.offset;
      }
    }
    return 'ok';
  }

  private async commitOnExit(): Promise<void> {
    if (this.rejoinReason !== undefined || this.owned.size === 0) return;
    try {
      const outcome = await this.commit(false, AbortSignal.timeout(EXIT_CALL_TIMEOUT_MS));
      if (outcome !== 'ok') this.note('the last commit did not go through; the next owner reads those records again');
    } catch (err) {
      this.note(`the last commit failed (${describe(err)}); the next owner reads those records again`);
    }
  }

  // -------------------------------------------------------------------------
  // Fetching

  private startFetches(): void {
    const { follow, topic, signal } = this.options;
    const now = Date.now();
    for (const o of this.owned.values()) {
      if (o.fetch || now < o.notBefore) continue;
      if (!follow && o.next >= o.end) continue;
      const waited = follow && o.next >= o.highWatermark;
      const controller = new AbortController();
      o.fetch = controller;
      const epoch = this.epoch;
      const from = o.next;
      const maxRecords = Math.max(1, Math.min(this.options.fetchMaxRecords ?? DEFAULT_FETCH_MAX_RECORDS, this.remaining));
      const fetchSignal = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
      const partition = o.partition;
      this.launchFetch(
        { topic, partition, from, maxRecords, encoding: this.options.encoding ?? 'base64', ...(waited && { waitMs: this.options.waitMs ?? DEFAULT_WAIT_MS }) },
        fetchSignal,
        (outcome) => this.completions.push({ partition, epoch, ...outcome }),
      );
    }
  }

  private async handle(c: Completion): Promise<void> {
    const o = this.owned.get(c.partition);
    if (!o || c.epoch !== this.epoch) return;
    o.fetch = undefined;
    if (o.next !== c.from) return;
    if (c.error !== undefined) return this.fetchFailed(o, c.error);
    const page = c.page!;
    o.failures = 0;
    o.highWatermark = Math.max(o.highWatermark, page.highWatermark);
    const take: FetchedRecord[] = [];
    for (const r of page.records) {
      if (take.length >= this.remaining || r.offset >= o.end) break;
      take.push(r);
    }
    if (take.length > 0) {
      await this.options.deliver(o.partition, take);
      this.remaining -= take.length;
      this.delivered += take.length;
    }
    if (take.length === page.records.length) o.next = Math.max(o.next, Math.min(page.nextOffset, o.end));
    else if (take.length > 0) o.next = take.at(-1)!.offset + 1;
    if (page.records.length === 0) emptyPollBackoff(o, c, this.options.waitMs ?? DEFAULT_WAIT_MS);
  }

  private fetchFailed(o: OwnedPartition, error: unknown): void {
    const outcome = recoverFetch(error, o, { topic: this.options.topic, partition: o.partition, position: o.next }, this.resetPolicy ?? 'latest', (m) => this.note(m));
    if (outcome === 'fatal') throw error;
    if (outcome !== 'ignore') o.next = outcome;
  }
}

// ---------------------------------------------------------------------------

function partitionsOf(view: MembershipView, topic: string): number[] {
  return [...new Set(view.assignment.filter((t) => t.topic === topic).flatMap((t) => t.partitions))].sort((a, b) => a - b);
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function listOf(topic: string, partitions: readonly number[]): string {
  return partitions.length === 0 ? 'no partitions' : `partition${partitions.length === 1 ? '' : 's'} ${topic}/${partitions.join(',')}`;
}

/** @internal shared with SluiceConsumer */
export function hasCode(err: unknown, code: string): boolean {
  return err instanceof SluiceApiError && err.code === code;
}

/** @internal shared with SluiceConsumer */
export function isRetriable(err: unknown): boolean {
  return (err instanceof SluiceApiError || err instanceof SluiceConnectionError) && err.retriable;
}

/** @internal shared with SluiceConsumer */
export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

/** @internal shared with SluiceConsumer */
export function describe(err: unknown): string {
  if (err instanceof SluiceApiError || err instanceof SluiceConnectionError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** @internal shared with SluiceConsumer */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs a call, retrying errors the server or the network calls retriable, with exponential backoff. */
/** @internal shared with SluiceConsumer */
export async function retrying<T>(call: () => Promise<T>, signal?: AbortSignal, retries = 5): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isRetriable(err) || attempt >= retries || signal?.aborted) throw err;
      await sleep(Math.min(250 * 2 ** attempt, 4000), signal);
    }
  }
}
