import type { SluiceHttpClient } from './sluice-http-client';
import { describe, hasCode, isRetriable, withRetries } from './retry';
import type { AssignorName, MembershipView, ResetPolicy } from './types';

/** Heartbeat at least this often while a rebalance concerning this member is in progress. */
const REBALANCE_HEARTBEAT_MS = 200;
/**
 * While the member is bound to its watch connection (and settled), it heartbeats over
 * HTTP only this often (or at its heartbeat interval, if that is longer): the lease is
 * kept by the binding and rebalances are posted to the connection, so this only bounds
 * how long a lost `rebalance` notice can go unnoticed. About 1,460 heartbeats a month,
 * $0.004 (docs/design.md, "Consumer groups").
 */
export const BOUND_HEARTBEAT_MS = 30 * 60 * 1000;

/** What keeps a membership bound to a watch connection (the consumer's `TailWatcher`). */
export interface MemberBinder {
  bind(group: string, memberId: string): void;
  unbind(): void;
}
/** Retries of a join, and of the reads around an assignment. */
export const CALL_RETRIES = 5;

/** What a join sends besides the group. */
export interface JoinSettings {
  topics: string[];
  sessionTimeoutMs?: number;
  resetPolicy?: ResetPolicy;
  assignor?: AssignorName;
  clientId?: string;
}

/**
 * @internal A consumer's group membership: joining, heartbeating in the background (faster
 * while a rebalance concerning this member is in progress), noticing a new generation or
 * assignment (`pendingView`) or the loss of membership (`rejoinReason`), and waking the
 * loop that waits in `waitForEvent` for any of these or for a fetch outcome (queued in
 * `completions`). What a view means for the partitions held is up to the subclass.
 *
 * With a `memberBinder` (the consumer's watch connection) the membership is bound to it
 * after every join: while bound and settled it heartbeats only every `BOUND_HEARTBEAT_MS`,
 * once on each `rebalance` notice (`rebalanceNoticed`) or `bound` answer naming another
 * generation, and as before while unbound (docs/design.md, "Consumer groups").
 */
export abstract class GroupMember<C> {
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
  /** The member id the server bound to the watch connection, while it is (no HTTP heartbeats meanwhile, but a slow safety one). */
  protected boundMember: string | undefined;
  /** When the last heartbeat was sent (or the join, or the binding was lost): the next is due an interval after. */
  private lastHeartbeatAt = 0;
  /** Ends the heartbeat loop's current pause early, so it reconsiders when the next heartbeat is due. */
  private nudgeHeartbeats: (() => void) | undefined;

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
  /** The watch connection to bind the membership to, if the consumer has one; undefined heartbeats over HTTP only. */
  protected memberBinder(): MemberBinder | undefined {
    return undefined;
  }

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

  /** Queues a fetch outcome (or any completion) for the loop, and wakes it. */
  protected complete(completion: C): void {
    this.completions.push(completion);
    this.wake();
  }

  /** Joins (retrying), and takes the member id, generation and heartbeat interval; the assignment comes with the first heartbeat. */
  protected async joinGroup(settings: JoinSettings, signal?: AbortSignal): Promise<MembershipView> {
    const { topics, sessionTimeoutMs, resetPolicy, assignor, clientId } = settings;
    const view = await withRetries(
      () =>
        this.client.joinGroup(this.groupName(), {
          topics,
          ...(sessionTimeoutMs !== undefined && { sessionTimeoutMs }),
          ...(resetPolicy !== undefined && { resetPolicy }),
          ...(assignor !== undefined && { assignor }),
          ...(clientId !== undefined && { clientId }),
        }),
      { retries: CALL_RETRIES, ...(signal && { signal }) },
    );
    this.memberId = view.memberId;
    this.generation = view.generation;
    this.heartbeatIntervalMs = view.heartbeatIntervalMs;
    this.settled = false;
    this.lastViewRebalancing = true;
    this.lastHeartbeatAt = Date.now();
    this.boundMember = undefined;
    const binder = this.memberBinder();
    if (binder && !signal?.aborted) binder.bind(this.groupName(), view.memberId);
    return view;
  }

  /** Whether the server has bound this member to the watch connection. */
  protected get bound(): boolean {
    return this.boundMember !== undefined && this.boundMember === this.memberId;
  }

  /** How long after the last heartbeat the next is due: fast while rebalancing; slow (a safety net) while bound. */
  protected heartbeatDueAfter(): number {
    if (!this.settled || this.lastViewRebalancing) return Math.min(REBALANCE_HEARTBEAT_MS, this.heartbeatIntervalMs);
    return this.bound ? Math.max(BOUND_HEARTBEAT_MS, this.heartbeatIntervalMs) : this.heartbeatIntervalMs;
  }

  protected async heartbeatLoop(): Promise<void> {
    const stop = this.closing.signal;
    while (!stop.aborted) {
      const dueIn = this.lastHeartbeatAt + this.heartbeatDueAfter() - Date.now();
      if (dueIn > 0) {
        await this.pauseHeartbeats(dueIn, stop);
        continue; // due again? (a binding gained or lost, a view, a nudge)
      }
      await this.heartbeat();
    }
  }

  /** Waits `ms`, or until stopped or nudged. */
  private pauseHeartbeats(ms: number, stop: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        stop.removeEventListener('abort', done);
        if (this.nudgeHeartbeats === done) this.nudgeHeartbeats = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      stop.addEventListener('abort', done, { once: true });
      this.nudgeHeartbeats = done;
    });
  }

  /** The server bound `memberId` to the watch connection; a generation not ours means a rebalance may have gone unheard: heartbeat. */
  protected memberBound(memberId: string, generation: number): void {
    if (memberId !== this.memberId) return;
    const wasBound = this.bound;
    this.boundMember = memberId;
    if (!wasBound) this.note(`${memberId} is bound to the watch connection: no HTTP heartbeats while it lasts`);
    if (generation !== this.generation && !(this.pendingView && this.pendingView.generation >= generation)) void this.heartbeat();
    this.nudgeHeartbeats?.();
  }

  /**
   * The binding is gone (the connection ended, or a bind was refused): heartbeat over HTTP
   * from now on, the first one at most half an interval from now (the server started the
   * session timeout when the connection closed, and the watcher usually binds again on its
   * next connection before that heartbeat is due).
   */
  protected memberUnbound(why?: string): void {
    if (this.boundMember === undefined) return;
    this.boundMember = undefined;
    this.lastHeartbeatAt = Math.max(this.lastHeartbeatAt, Date.now() - this.heartbeatIntervalMs / 2);
    if (why) this.note(`the watch connection no longer keeps ${this.memberId} (${why}); heartbeating over HTTP`);
    this.nudgeHeartbeats?.();
  }

  /** The coordinator wrote `generation`: one heartbeat brings this member's view (unless it already has it). */
  protected rebalanceNoticed(group: string, generation: number): void {
    if (group !== this.groupName() || !this.memberId) return;
    if (generation <= this.generation || (this.pendingView && this.pendingView.generation >= generation)) return;
    void this.heartbeat();
    this.nudgeHeartbeats?.();
  }

  /** Sends one heartbeat and records what it says; never throws. */
  protected async heartbeat(): Promise<void> {
    const memberId = this.memberId;
    if (!memberId || this.rejoinReason !== undefined) return;
    this.lastHeartbeatAt = Date.now();
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
}
