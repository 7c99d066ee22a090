import { callProfileFromCounts, type CallProfile, type CostBreakdown } from '../../lib/cost/cost-model';
import type { ScheduledRun } from '../../lib/cost/idle-cost';
import { BOUND_HEARTBEAT_MS } from '../../lib/client/membership';
import { CHECK_EVERY_KEEPALIVES, KEEPALIVE_MS } from '../../lib/client/tail-watcher';
import { WATCH_RENEW_MS } from '../../lib/watch/arm-watches';
import { countsOf, type RequestSnapshot } from '../../lib/cost/request-accounting';
import { addRates, billedRequestUnits, emptyPollsMonthly, heartbeatsMonthly, NO_RATES, periodic, scaleRates, waitingMonthly, waitingRates, type WaitingRates } from '../../lib/cost/waiting-cost';
import type { ContentionCell } from './workloads/contention';
import type { ScheduledRunCell } from './workloads/idle-cost';
import type { BoundMemberCell, HeartbeatCell, TailCostCell } from './workloads/tail-cost';

/**
 * The issue #18 goals the report checks, and the pure arithmetic from counted cells to the
 * figures compared with them (kept apart from rendering so it can be unit tested).
 */
export type Verdict = 'pass' | 'miss' | '–';

export function atLeast(value: number | undefined, min: number): Verdict {
  return value === undefined || !Number.isFinite(value) ? '–' : value >= min ? 'pass' : 'miss';
}

export function atMost(value: number | undefined, max: number): Verdict {
  return value === undefined || !Number.isFinite(value) ? '–' : value <= max ? 'pass' : 'miss';
}

export const GOALS = {
  /** USD a month per consumer tailing an idle topic, whatever its partition count. */
  idleConsumerUsd: 0.1,
  /** Produce: Sluice / the raw minimum sequence, throughput and p50. */
  produceRatio: 0.8,
  /** Fetch: Sluice MiB/s / a raw ranged GET of the same bytes. */
  fetchRatio: 0.5,
  s3BytesPerByte: 1.05,
  /** Describe p50 of 256 partitions / of 1. */
  describeRatio: 2,
  /** USD a month idle without consumers, storage aside. */
  idleUsd: 2,
  /** The web console's issue: first paint under one second against the local platform, the median of every screen (ms). */
  consoleFirstPaintMs: 1000,
} as const;

/** Transactions per produce call with 1, 2, 4 and 8 producers on one partition, as issue #18 measured them. */
export const ISSUE_CONTENTION_TRANSACTIONS: Readonly<Record<number, number>> = { 1: 1.0, 2: 1.66, 4: 2.29, 8: 3.32 };

/** API Gateway closes a WebSocket connection after 2 hours; the client reconnects and re-arms. */
export const WEBSOCKET_MAX_CONNECTION_SECONDS = 2 * 3600;
/** The watcher's keepalive (lib/client/tail-watcher.ts): a ping, or every CHECK_EVERY_KEEPALIVES-th time a check of everything armed. */
export const KEEPALIVE_SECONDS = KEEPALIVE_MS / 1000;
/** How often the client checks its armed watches (a `check`: head reads, no writes) while a connection stays up. */
export const CHECK_SECONDS = KEEPALIVE_SECONDS * CHECK_EVERY_KEEPALIVES;
/** Keepalives on one connection before API Gateway closes it (every 9 minutes for 2 hours: 13). */
export const KEEPALIVES_PER_CONNECTION = Math.floor((WEBSOCKET_MAX_CONNECTION_SECONDS - 1) / KEEPALIVE_SECONDS);
/** Of those, checks (every 7th: 1); the rest are pings. */
export const CHECKS_PER_CONNECTION = Math.floor(KEEPALIVES_PER_CONNECTION / CHECK_EVERY_KEEPALIVES);
/**
 * How often the client re-arms every watch: once per connection, when it reconnects after
 * API Gateway's 2-hour limit (keepalives no longer re-arm; they check).
 */
export const REARM_SECONDS = WEBSOCKET_MAX_CONNECTION_SECONDS;
/** A ping and its pong: two messages, answered by API Gateway itself (a MOCK integration), so no function and no storage. */
export const PING: WaitingRates = { ...NO_RATES, webSocketMessages: 2 };
/** A `$connect` invocation is not visible to the client; assume this long for the watch-connect function. */
export const CONNECT_MS_ASSUMED = 10;
/**
 * How often a watched partition's head mark is renewed (lib/watch/arm-watches.ts): once per
 * WATCH_RENEW_MS, whoever watches it. Not measured (the bench runs for minutes): each
 * renewal is priced as one UpdateItem (1 WRU), one strongly consistent re-read (1 RRU),
 * and its share of the invocations of the Log-stream head triggers it wakes
 * (`notify-watchers`, `dispatch-deliveries`, both returning at once, assumed
 * MARK_TRIGGER_MS_ASSUMED each): a consumer's partitions are armed together, so their
 * marks are renewed together and reach the triggers in batches of up to
 * MARK_RENEWALS_PER_INVOCATION (the triggers' batch size), not one invocation each.
 */
export const MARK_RENEWAL_SECONDS = WATCH_RENEW_MS / 1000;
export const MARK_TRIGGER_MS_ASSUMED = 10;
export const MARK_RENEWALS_PER_INVOCATION = 100;

/** One head mark renewal, as rates of one occurrence. */
export function markRenewal(memoryOf: (fn: string) => number): WaitingRates {
  const share = 1 / MARK_RENEWALS_PER_INVOCATION;
  const gbSeconds = ((memoryOf('notify-watchers') + memoryOf('dispatch-deliveries')) / 1024) * (MARK_TRIGGER_MS_ASSUMED / 1000) * share;
  return { ...NO_RATES, writeRequestUnits: 1, readRequestUnits: 1, lambdaInvocations: 2 * share, lambdaGbSeconds: gbSeconds };
}

/** One consumer's share of what a tail-cost cell counted, as rates, before periodic work. */
export function tailCellRates(cell: TailCostCell): WaitingRates {
  const w = cell.window;
  return waitingRates(
    {
      seconds: w.seconds,
      // Long-polls are priced from how often they come back (emptyPolls), not from the few that started in a short window.
      httpRequests: cell.mode === 'long-poll' ? 0 : w.httpRequests,
      lambdaGbSeconds: w.lambdaGbSeconds,
      ...(cell.requests ? { requests: cell.requests } : {}),
      webSocket: { connectionSeconds: w.webSocket.connectionSeconds, messages: w.webSocket.messages, invocations: w.webSocket.invocations, lambdaGbSeconds: w.webSocket.lambdaGbSeconds },
    },
    cell.consumers,
  );
}

/** What one re-arm (on a new connection) costs a consumer: its messages, invocations and storage requests. */
export function rearmOccurrence(cell: TailCostCell): WaitingRates {
  return occurrence(cell, cell.rearm);
}

/**
 * What one check (every CHECK_EVERY_KEEPALIVES-th keepalive) costs a consumer, as
 * measured. A cell measured without one (a client from before `check`) re-armed instead.
 */
export function checkOccurrence(cell: TailCostCell): WaitingRates {
  return occurrence(cell, cell.check ?? cell.rearm);
}

function occurrence(cell: TailCostCell, measured: TailCostCell['rearm']): WaitingRates {
  if (!measured) return { ...NO_RATES };
  const w = measured.window;
  // seconds: 1 turns the counts into "per occurrence"; the connection time of the measured window is not the message's.
  return waitingRates(
    {
      seconds: 1,
      httpRequests: w.httpRequests,
      lambdaGbSeconds: w.lambdaGbSeconds,
      ...(measured.requests ? { requests: measured.requests } : {}),
      webSocket: { connectionSeconds: 0, messages: w.webSocket.messages, invocations: w.webSocket.invocations, lambdaGbSeconds: w.webSocket.lambdaGbSeconds },
    },
    cell.consumers,
  );
}

/** Empty long-polls a consumer makes a second: one per partition per wait. */
export function emptyPollsPerSecond(cell: TailCostCell): number {
  if (cell.mode !== 'long-poll') return 0;
  const waitMs = cell.completedPolls.count > 0 ? cell.completedPolls.meanMs : cell.waitMs;
  return waitMs > 0 ? (cell.partitions * 1000) / waitMs : 0;
}

/** An empty poll's own price: one API Gateway request and one invocation (its waiting time and head reads are in the window's figures). */
export const EMPTY_POLL: CallProfile = { records: 0, payloadBytes: 0, httpRequestBytes: 0, s3Puts: 0, s3Gets: 0, s3Lists: 0, writeRequestUnits: 0, readRequestUnits: 0, lambdaMs: 0, lambdaMemoryMiB: 1024 };

/**
 * USD a month for one consumer of the cell: the window's waiting, plus for long-polls the
 * empty answers, plus for watches what each 2-hour connection adds: a `$connect`
 * invocation and a re-arm of every watch when it opens, then its keepalives (every 7th a
 * check, as measured; the others pings), and its share of the daily head mark renewals.
 */
export function tailCellMonthly(cell: TailCostCell, memoryOf: (fn: string) => number): CostBreakdown {
  let rates = tailCellRates(cell);
  if (cell.mode === 'watch') {
    const connect: WaitingRates = { ...NO_RATES, lambdaInvocations: 1, lambdaGbSeconds: (memoryOf('watch-connect') / 1024) * (CONNECT_MS_ASSUMED / 1000) };
    const checks = scaleRates(checkOccurrence(cell), CHECKS_PER_CONNECTION);
    const pings: WaitingRates = { ...PING, webSocketMessages: PING.webSocketMessages * (KEEPALIVES_PER_CONNECTION - CHECKS_PER_CONNECTION) };
    const connection = [connect, rearmOccurrence(cell), checks, pings].reduce(addRates);
    rates = addRates(rates, periodic(connection, WEBSOCKET_MAX_CONNECTION_SECONDS));
    // The consumers of a cell watch the same partitions: one renewal per partition, shared.
    rates = addRates(rates, periodic(scaleRates(markRenewal(memoryOf), cell.partitions / cell.consumers), MARK_RENEWAL_SECONDS));
  }
  const waiting = waitingMonthly(rates);
  const polls = emptyPollsMonthly(EMPTY_POLL, emptyPollsPerSecond(cell));
  const lines = { ...waiting.lines };
  for (const [name, usd] of Object.entries(polls.lines)) if (usd) lines[`empty polls: ${name}`] = usd;
  return { total: waiting.total + polls.total, lines };
}

/** A heartbeat call's profile from its counted requests. */
export function heartbeatProfile(cell: HeartbeatCell, memoryMiB: number): CallProfile | undefined {
  if (!cell.requests || cell.calls <= 0) return undefined;
  const units = billedRequestUnits(cell.requests);
  return { ...callProfileFromCounts(cell.requests, cell.calls, { records: 0, payloadBytes: 0, httpRequestBytes: 0, lambdaMs: cell.meanMs, lambdaMemoryMiB: memoryMiB }), readRequestUnits: units.readRequestUnits / cell.calls, writeRequestUnits: units.writeRequestUnits / cell.calls };
}

/** A `$disconnect` invocation is not visible to the client either; assume this long for watch-disconnect. */
export const DISCONNECT_MS_ASSUMED = 10;
/** A bound member's safety heartbeat (lib/client/membership.ts): the only HTTP call it makes while idle. */
export const BOUND_HEARTBEAT_SECONDS = BOUND_HEARTBEAT_MS / 1000;

/**
 * What a connection's `$disconnect` costs for a connection with one bound member (not
 * measured: it runs after the client is gone): one watch-disconnect invocation (assumed
 * DISCONNECT_MS_ASSUMED), a strongly consistent Query of the connection's binding items
 * (1 RRU), the member's release (an UpdateItem, 1 WRU) and the binding item's delete
 * (1 WRU).
 */
export function disconnectOccurrence(memoryOf: (fn: string) => number): WaitingRates {
  return {
    ...NO_RATES,
    lambdaInvocations: 1,
    lambdaGbSeconds: (memoryOf('watch-disconnect') / 1024) * (DISCONNECT_MS_ASSUMED / 1000),
    readRequestUnits: 1,
    writeRequestUnits: 2,
  };
}

/** What one rebind costs, as measured: its messages, the watch invocation and its storage requests. */
export function rebindOccurrence(cell: BoundMemberCell): WaitingRates {
  if (!cell.rebind) return { ...NO_RATES };
  const w = cell.rebind.window;
  return waitingRates({
    seconds: 1,
    httpRequests: w.httpRequests,
    lambdaGbSeconds: w.lambdaGbSeconds,
    ...(cell.rebind.requests ? { requests: cell.rebind.requests } : {}),
    webSocket: { connectionSeconds: 0, messages: w.webSocket.messages, invocations: w.webSocket.invocations, lambdaGbSeconds: w.webSocket.lambdaGbSeconds },
  });
}

/**
 * USD a month that group membership adds to an idle consumer bound to its watch
 * connection, on top of what its watch costs (its row: connection-minutes, keepalives,
 * re-arms): whatever it sent over HTTP in the idle window (nothing, when bound), and per
 * 2-hour connection a rebind (measured) and a `$disconnect` (assumed), and a safety
 * heartbeat every BOUND_HEARTBEAT_SECONDS priced as the measured heartbeat. A cell whose
 * member never bound prices what it did send (its heartbeats) instead, and nothing else.
 */
export function boundMemberMonthly(cell: BoundMemberCell, heartbeat: CallProfile | undefined, memoryOf: (fn: string) => number): CostBreakdown {
  const w = cell.window;
  // The connection and its keepalives are the consumer's watch row's; only what membership sends is counted here.
  let rates = waitingRates({ seconds: w.seconds, httpRequests: w.httpRequests, lambdaGbSeconds: w.lambdaGbSeconds, ...(cell.requests ? { requests: cell.requests } : {}) });
  if (cell.bound) {
    rates = addRates(rates, periodic(addRates(rebindOccurrence(cell), disconnectOccurrence(memoryOf)), WEBSOCKET_MAX_CONNECTION_SECONDS));
  }
  const membership = waitingMonthly(rates);
  if (!cell.bound || !heartbeat) return membership;
  const safety = heartbeatsMonthly(heartbeat, BOUND_HEARTBEAT_MS);
  const lines = { ...membership.lines };
  for (const [name, usd] of Object.entries(safety.lines)) if (usd) lines[`safety heartbeats: ${name}`] = usd;
  return { total: membership.total + safety.total, lines };
}

/**
 * The report's lines on an idle group member bound to its watch connection, beside the
 * HTTP-heartbeat line: what membership adds to its row, and an idle 1-partition member's
 * whole month (the 1-consumer, 1-partition watch row plus that) against the goal.
 */
export function boundMemberLines(t: { heartbeat?: HeartbeatCell; boundMember?: BoundMemberCell; cells: readonly TailCostCell[] }, memoryOf: (fn: string) => number): string[] {
  const cell = t.boundMember;
  if (!cell) return [];
  const usd = (n: number) => `$${n.toFixed(n < 0.01 ? 4 : 3)}`;
  const heartbeat = t.heartbeat ? heartbeatProfile(t.heartbeat, memoryOf('heartbeat-member')) : undefined;
  const added = boundMemberMonthly(cell, heartbeat, memoryOf);
  const row = t.cells.find((c) => c.mode === 'watch' && c.consumers === 1 && c.partitions === 1);
  const total = row ? tailCellMonthly(row, memoryOf).total + added.total : undefined;
  const rebindMessages = cell.rebind ? cell.rebind.window.webSocket.messages : 0;
  const rebindRequests = cell.rebind?.requests ? Object.values(cell.rebind.requests.services).reduce((n, ops) => n + Object.values(ops).reduce((m, c) => m + c.requests, 0), 0) : 0;
  if (!cell.bound) return [`- A group member bound to its watch connection: the member never bound (a client or server from before binding); it heartbeats over HTTP as above.`];
  return [
    `- Bound to its watch connection instead (the default with a watch URL), an idle group member sent ${cell.window.httpRequests} HTTP calls in ${cell.window.seconds.toFixed(1)} s idle; ` +
      `per 2-hour connection it binds again (${rebindMessages} messages, ${rebindRequests} storage requests, measured) and its $disconnect releases it (assumed ${DISCONNECT_MS_ASSUMED} ms, 1 RRU, 2 WRU), plus a safety heartbeat every ${BOUND_HEARTBEAT_SECONDS / 60} minutes: ` +
      `${usd(added.total)} a month on top of its row above` +
      (total === undefined ? '.' : `; an idle 1-partition member in total ${usd(total)} a month against the ≤ ${usd(GOALS.idleConsumerUsd)} goal: ${atMost(total, GOALS.idleConsumerUsd)}.`),
  ];
}

export interface ContentionFigures {
  /** TransactWriteItems sent per produce call, cancelled ones included. */
  transactionsPerCall: number;
  /** HTTP attempts of those (the SDK's retries included). */
  attemptsPerCall: number;
  /** Attempts DynamoDB refused (TransactionCanceledException, conflicts) per call. */
  cancelledPerCall: number;
  /** Write request units AWS bills per call, the cancelled transactions' included. */
  billedWruPerCall: number;
}

export function contentionFigures(cell: ContentionCell): ContentionFigures | undefined {
  if (!cell.requests || cell.ops <= 0) return undefined;
  const tx = countsOf(cell.requests, 'DynamoDB', 'TransactWriteItems');
  return {
    transactionsPerCall: tx.requests / cell.ops,
    attemptsPerCall: tx.attempts / cell.ops,
    cancelledPerCall: tx.failedAttempts / cell.ops,
    billedWruPerCall: billedRequestUnits(cell.requests).writeRequestUnits / cell.ops,
  };
}

/** The idle workload's runs as the cost model takes them. */
export function scheduledRuns(cells: readonly ScheduledRunCell[]): ScheduledRun[] {
  return cells.map((c) => {
    const run = runProfile(c.requests, c.ms, c.memoryMiB);
    // The orphan collector's first run lists every prefix once; idle, it lists far fewer.
    return { name: c.name, rateMinutes: c.rateMinutes, run: c.steadyS3Lists === undefined ? run : { ...run, s3Lists: c.steadyS3Lists } };
  });
}

function runProfile(requests: RequestSnapshot | undefined, ms: number, memoryMiB: number): CallProfile {
  const empty: RequestSnapshot = { services: {} };
  const units = billedRequestUnits(requests ?? empty);
  return {
    ...callProfileFromCounts(requests ?? empty, 1, { records: 0, payloadBytes: 0, httpRequestBytes: 0, lambdaMs: ms, lambdaMemoryMiB: memoryMiB, apiGateway: false }),
    readRequestUnits: units.readRequestUnits,
    writeRequestUnits: units.writeRequestUnits,
  };
}
