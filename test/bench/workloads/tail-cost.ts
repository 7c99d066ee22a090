import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { SluiceConsumer, SluiceHttpClient, type SluiceHttpClientOptions } from '../../../lib/client/index';
import type { RequestSnapshot } from '../../../lib/cost/request-accounting';
import { CallMeter, type MeterableSocket, type WindowFigures } from '../call-meter';
import { counted, type Meters, type Progress } from '../measure';
import type { BenchOptions } from '../options';

/**
 * What consumers cost while they wait at the tail of partitions nobody writes to.
 *
 * Per cell, `consumers` independent consumers (manual assignment, no group) each hold
 * every partition of a topic of `partitions` partitions, through the client as an
 * application would use it: `long-poll` (today's HTTP wait, `waitMs` per partition) or
 * `watch` (the client given the platform's WebSocket URL: one connection per consumer,
 * one-shot watches armed). After they settle, an idle window is counted: HTTP calls and
 * the Lambda time they hold (client side), WebSocket connection time and messages
 * (client side), and the storage requests the handlers made (server side).
 *
 * For the watch mode a re-arm and a check are then measured on their own: each
 * consumer's watcher sends its watches again (what a reconnection after API Gateway's
 * 2-hour limit does), then a check of them (what every 7th keepalive does), so the model
 * can add those periodic costs. The wide cells (`widePartitions`) are watch mode with one
 * consumer: the cost of one consumer of many partitions.
 */
export type WaitMode = 'long-poll' | 'watch';

export interface TailCostCell {
  mode: WaitMode;
  consumers: number;
  partitions: number;
  /** The idle window, client side. */
  window: WindowFigures;
  /** Storage requests the handlers made in the window. */
  requests?: RequestSnapshot;
  /** Requests the background functions (stream triggers, schedules) made in the window; idle, nothing should move them. */
  backgroundRequests?: RequestSnapshot;
  /** Watch mode: one re-arm of every consumer (what a reconnection does), client side and server side. */
  rearm?: { window: WindowFigures; requests?: RequestSnapshot; answered: number };
  /** Watch mode: one check of every consumer (what every 7th keepalive does), client side and server side. */
  check?: { window: WindowFigures; requests?: RequestSnapshot; answered: number };
  /** The consumers' waitMs (long-poll). */
  waitMs: number;
  /** Long-polls that ended in the whole cell, and their mean duration: how often an idle partition's poll comes back empty. */
  completedPolls: { count: number; meanMs: number };
  /** Whether every consumer had connected its watcher (watch mode). */
  connected: number;
  errors: string[];
}

export interface TailCostResult {
  heartbeat?: HeartbeatCell;
  /** An idle group member bound to its watch connection instead of heartbeating (watch mode only). */
  boundMember?: BoundMemberCell;
  windowMs: number;
  settleMs: number;
  /** Whether the client and platform support the watch; why not, if not. */
  watch: { available: boolean; note: string };
  cells: TailCostCell[];
}

/** The platform's WebSocket URL for waiting at the tail: any `ws://` or `wss://` string it exposes (the local platform's `watchUrl`). */
export function watchUrlOf(platform: object | undefined): string | undefined {
  if (!platform) return undefined;
  for (const value of Object.values(platform)) if (typeof value === 'string' && /^wss?:\/\//.test(value)) return value;
  return undefined;
}

/** A client with this meter on its calls and, when `watchUrl` is given and the client takes it, its WebSocket. */
export function meteredClient(baseUrl: string, meter: CallMeter, watchUrl?: string): SluiceHttpClient {
  // Set through a plain record: a client from before the watch does not know these options.
  const extra: Record<string, unknown> = {};
  if (watchUrl) {
    extra.watchUrl = watchUrl;
    extra.webSocket = meter.socketFactory((url) => new WebSocket(url) as unknown as MeterableSocket);
  }
  const options: SluiceHttpClientOptions = { baseUrl, fetch: meter.fetch(), ...extra };
  return new SluiceHttpClient(options);
}

/** Whether this client version waits on a watch URL: detected by the option it keeps, not by its version. */
export function clientWatches(client: SluiceHttpClient): boolean {
  return typeof (client as unknown as { watchUrl?: unknown }).watchUrl === 'string';
}

/** Whether the watch mode can be measured: the platform has a WebSocket URL and the client takes it. */
export function watchSupport(baseUrl: string, watchUrl: string | undefined): { available: boolean; note: string } {
  if (!watchUrl) return { available: false, note: 'the platform exposes no WebSocket URL' };
  if (!clientWatches(meteredClient(baseUrl, new CallMeter(() => 0), watchUrl))) return { available: false, note: 'the client takes no watch URL' };
  return { available: true, note: `watch URL ${watchUrl}` };
}

export async function measureTailCost(
  baseUrl: string,
  watchUrl: string | undefined,
  options: BenchOptions,
  run: string,
  meters: Meters,
  memoryOf: (fn: string) => number,
  progress: Progress,
): Promise<TailCostResult> {
  const o = options.tailCost;
  const probe = meteredClient(baseUrl, new CallMeter(memoryOf), watchUrl);
  const watch = watchSupport(baseUrl, watchUrl);
  if (!watch.available) progress(`tail cost: watch mode skipped (${watch.note})`);
  const modes: WaitMode[] = watch.available ? ['long-poll', 'watch'] : ['long-poll'];
  const cells: TailCostCell[] = [];
  // The wide cells are watch mode alone, with one consumer: 256 long-polls would be 256 functions held.
  const plan = [
    ...o.partitions.map((partitions) => ({ partitions, cellModes: modes, consumerCounts: o.consumers })),
    ...(watch.available ? o.widePartitions.map((partitions) => ({ partitions, cellModes: ['watch'] as WaitMode[], consumerCounts: [1] })) : []),
  ];
  for (const { partitions, cellModes, consumerCounts } of plan) {
    for (const mode of cellModes) {
      const topic = `bench-idle-${mode}-p${partitions}-${run}`;
      await probe.createTopic(topic, { partitions });
      for (const consumers of consumerCounts) {
        cells.push(await measureCell(baseUrl, mode === 'watch' ? watchUrl : undefined, topic, mode, consumers, partitions, options, meters, memoryOf, progress));
      }
    }
  }
  const heartbeat = await measureHeartbeat(baseUrl, o.heartbeats, run, meters, memoryOf, progress).catch((error: unknown) => {
    progress(`heartbeat not measured: ${(error as Error).message}`);
    return undefined;
  });
  const boundMember = watch.available
    ? await measureBoundMember(baseUrl, watchUrl!, run, options, meters, memoryOf, progress).catch((error: unknown) => {
        progress(`bound member not measured: ${(error as Error).message}`);
        return undefined;
      })
    : undefined;
  return { ...(heartbeat ? { heartbeat } : {}), ...(boundMember ? { boundMember } : {}), windowMs: o.windowMs, settleMs: o.settleMs, watch, cells };
}

async function measureCell(
  baseUrl: string,
  watchUrl: string | undefined,
  topic: string,
  mode: WaitMode,
  consumers: number,
  partitions: number,
  options: BenchOptions,
  meters: Meters,
  memoryOf: (fn: string) => number,
  progress: Progress,
): Promise<TailCostCell> {
  const o = options.tailCost;
  const meter = new CallMeter(memoryOf);
  const errors: string[] = [];
  const running = Array.from({ length: consumers }, () => {
    const consumer = new SluiceConsumer(meteredClient(baseUrl, meter, watchUrl), { waitMs: o.waitMs, encoding: 'utf8', autoCommit: false });
    const done = (async () => {
      await consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
      for await (const _batch of consumer.batches()) {
        // Nothing is produced: a batch here would be a bug in the workload.
        errors.push('a batch arrived from an idle topic');
      }
    })().catch((error: unknown) => {
      errors.push((error as Error).message);
    });
    return { consumer, done };
  });
  try {
    await settle(meter, o.settleMs, o.maxSettleMs);
    const from = performance.now();
    const { background, requests } = await counted(meters, () => sleep(o.windowMs));
    const to = performance.now();
    const window = meter.window(from, to);
    const cell: TailCostCell = {
      mode,
      consumers,
      partitions,
      window,
      ...(requests ? { requests } : {}),
      ...(background ? { backgroundRequests: background.requests } : {}),
      waitMs: o.waitMs,
      completedPolls: { count: 0, meanMs: 0 },
      connected: meter.connections.length,
      errors,
    };
    if (mode === 'watch') {
      cell.rearm = await measureRearm(running.map((r) => r.consumer), meter, meters);
      cell.check = await measureCheck(running.map((r) => r.consumer), meter, meters);
    }
    const polls = meter.calls.filter((c) => c.fn === 'fetch-records' && c.end !== undefined && c.end - c.start > o.waitMs / 2);
    cell.completedPolls = { count: polls.length, meanMs: polls.length ? polls.reduce((n, c) => n + c.end! - c.start, 0) / polls.length : 0 };
    progress(
      `tail cost, ${mode}, ${consumers} consumer(s) x ${partitions} partition(s): ${(window.httpRequests / window.seconds).toFixed(1)} HTTP calls/s, ` +
        `${window.concurrentCalls.toFixed(1)} calls in flight, ${window.webSocket.messages} WebSocket messages, ${meter.connections.length} connections` +
        `${requests ? `, ${storageRequests(requests)} storage requests in ${window.seconds.toFixed(1)} s` : ''}${errors.length ? `; errors: ${[...new Set(errors)].join('; ')}` : ''}`,
    );
    return cell;
  } finally {
    await Promise.all(running.map(async (r) => {
      await r.consumer.close().catch(() => undefined);
      await r.done;
    }));
    // A long-poll the client gave up on runs on in its function until its wait ends (on AWS as here):
    // let those finish, so they are not counted against the next cell.
    await quiesce(meters, 500, o.waitMs + 2000);
  }
}

/** Waits until the handlers made no storage request for `quietMs` (at most `maxMs`). */
async function quiesce(meters: Meters, quietMs: number, maxMs: number): Promise<void> {
  if (!meters.api) return;
  const deadline = performance.now() + maxMs;
  let last = storageRequests(meters.api.snapshot());
  while (performance.now() < deadline) {
    await sleep(quietMs);
    const now = storageRequests(meters.api.snapshot());
    if (now === last) return;
    last = now;
  }
}

interface BenchWatcher {
  arm(targets: { topic: string; partition: number; offset: number }[]): void;
  check?(): boolean;
}

const watcherOf = (consumer: SluiceConsumer): BenchWatcher | undefined => (consumer as unknown as { watcher?: BenchWatcher }).watcher;

/** Every consumer's watcher sends its armed watches again now (what a reconnection does); counted until the answers are in. */
async function measureRearm(consumers: SluiceConsumer[], meter: CallMeter, meters: Meters): Promise<TailCostCell['rearm']> {
  return measureAnswered(meter, meters, () =>
    consumers.filter((consumer) => {
      const watcher = watcherOf(consumer);
      const targets = consumer.assignment().map((tp) => ({ ...tp, offset: consumer.position(tp) }));
      if (!watcher || targets.length === 0) return false;
      watcher.arm(targets);
      return true;
    }).length,
  );
}

/** Every consumer's watcher checks its armed watches now (what every 7th keepalive does); counted until the answers are in. */
async function measureCheck(consumers: SluiceConsumer[], meter: CallMeter, meters: Meters): Promise<TailCostCell['check']> {
  if (!consumers.some((consumer) => typeof watcherOf(consumer)?.check === 'function')) return undefined; // a client from before `check`
  return measureAnswered(meter, meters, () => consumers.filter((consumer) => watcherOf(consumer)?.check?.() === true).length);
}

/** Runs `send` (answers how many messages it sent, each answered by one closing message) and counts until the answers are in. */
async function measureAnswered(meter: CallMeter, meters: Meters, send: () => number): Promise<TailCostCell['rearm']> {
  const received = meter.received.length;
  const from = performance.now();
  const { requests } = await counted(meters, async () => {
    const sent = send();
    const deadline = performance.now() + 5000;
    while (meter.received.length - received < sent && performance.now() < deadline) await sleep(10);
  });
  const to = performance.now();
  return { window: meter.window(from, to), ...(requests ? { requests } : {}), answered: meter.received.length - received };
}

/**
 * Waits until the consumers went quiet for `quietMs` (no HTTP call started or ended, no
 * message sent or received, every message sent answered): setup done, every partition
 * waiting. Arming many partitions can keep the server busy for longer than `quietMs` with
 * nothing on the wire (marking and reading 256 heads), hence the answers.
 */
async function settle(meter: CallMeter, quietMs: number, maxMs: number): Promise<void> {
  const started = performance.now();
  await sleep(quietMs);
  while (performance.now() - started < maxMs) {
    if (meter.received.length < meter.sent.length) {
      await sleep(50);
      continue;
    }
    // Quiet: no call started or ended (a long-poll in flight is waiting, not setting up), no message either way.
    const ended = meter.calls.reduce((latest, c) => Math.max(latest, c.end ?? 0), 0);
    const last = Math.max(meter.calls.at(-1)?.start ?? 0, ended, meter.sent.at(-1) ?? 0, meter.received.at(-1) ?? 0, meter.connections.at(-1)?.start ?? 0);
    if (performance.now() - last >= quietMs) return;
    await sleep(50);
  }
}

function storageRequests(snapshot: RequestSnapshot): number {
  let n = 0;
  for (const operations of Object.values(snapshot.services)) for (const counts of Object.values(operations)) n += counts.requests;
  return n;
}

/** One group member's heartbeats, counted: what each costs and how often the server asks for one. */
export interface HeartbeatCell {
  intervalMs: number;
  calls: number;
  meanMs: number;
  requests?: RequestSnapshot;
}

/** Joins a group of one member on a 1-partition topic and heartbeats `calls` times in a row. */
export async function measureHeartbeat(baseUrl: string, calls: number, run: string, meters: Meters, memoryOf: (fn: string) => number, progress: Progress): Promise<HeartbeatCell> {
  const client = meteredClient(baseUrl, new CallMeter(memoryOf));
  const topic = `bench-heartbeat-${run}`;
  const group = `bench-heartbeat-${run}`;
  await client.createTopic(topic, { partitions: 1 });
  const view = await client.joinGroup(group, { topics: [topic] });
  // The first heartbeats finish the join's rebalance; count the steady ones after.
  for (let i = 0; i < 3; i++) await client.heartbeat(group, view.memberId);
  await sleep(200);
  let ms = 0;
  const { requests } = await counted(meters, async () => {
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      await client.heartbeat(group, view.memberId);
      ms += performance.now() - t0;
    }
  });
  // No leave: the member lapses after its session timeout, and leaving would set off a rebalance in the background.
  const cell: HeartbeatCell = { intervalMs: view.heartbeatIntervalMs, calls, meanMs: ms / calls, ...(requests ? { requests } : {}) };
  progress(`heartbeat: one every ${cell.intervalMs} ms, ${cell.meanMs.toFixed(1)} ms each${requests ? `, ${storageRequests(requests) / calls} storage requests each` : ''}`);
  return cell;
}

/** An idle group member bound to its watch connection: what it sends while idle, and what one rebind costs. */
export interface BoundMemberCell {
  /** The idle window, client side: HTTP calls (heartbeats: none expected) and WebSocket traffic. */
  window: WindowFigures;
  /** Storage requests the handlers made in the window. */
  requests?: RequestSnapshot;
  /** One `bind` of the member again (what each new connection sends), client side and server side. */
  rebind?: { window: WindowFigures; requests?: RequestSnapshot; answered: number };
  /** Whether the member was bound when the window began. */
  bound: boolean;
  errors: string[];
}

interface BenchBinder {
  bind(group: string, memberId: string): void;
}

/**
 * A group of one member (a `SluiceConsumer` with the watch URL) on a 1-partition topic
 * nobody writes to: waits until it is bound and quiet, counts an idle window, then
 * counts one rebind. A client from before binding heartbeats in the window instead, and
 * the cell shows it (`bound: false`).
 */
export async function measureBoundMember(
  baseUrl: string,
  watchUrl: string,
  run: string,
  options: BenchOptions,
  meters: Meters,
  memoryOf: (fn: string) => number,
  progress: Progress,
): Promise<BoundMemberCell> {
  const o = options.tailCost;
  const meter = new CallMeter(memoryOf);
  const client = meteredClient(baseUrl, meter, watchUrl);
  const topic = `bench-bound-${run}`;
  const group = `bench-bound-${run}`;
  await client.createTopic(topic, { partitions: 1 });
  const errors: string[] = [];
  let boundNoted = false;
  const consumer = new SluiceConsumer(client, {
    groupId: group,
    topics: [topic],
    autoCommit: false,
    encoding: 'utf8',
    note: (message) => {
      if (message.includes('is bound to the watch connection')) boundNoted = true;
    },
  });
  const done = (async () => {
    for await (const _batch of consumer.batches()) errors.push('a batch arrived from an idle topic');
  })().catch((error: unknown) => {
    errors.push((error as Error).message);
  });
  try {
    const deadline = performance.now() + o.maxSettleMs;
    while (!boundNoted && performance.now() < deadline) await sleep(20);
    await settle(meter, o.settleMs, o.maxSettleMs);
    const from = performance.now();
    const { requests } = await counted(meters, () => sleep(o.windowMs));
    const window = meter.window(from, performance.now());
    const internals = consumer as unknown as { watcher?: BenchBinder; memberId?: string };
    const rebind =
      boundNoted && internals.watcher && internals.memberId
        ? await measureAnswered(meter, meters, () => {
            internals.watcher!.bind(group, internals.memberId!);
            return 1;
          })
        : undefined;
    const cell: BoundMemberCell = { window, ...(requests ? { requests } : {}), ...(rebind ? { rebind } : {}), bound: boundNoted, errors };
    progress(
      `bound member: ${boundNoted ? 'bound' : 'NOT bound'}; ${window.httpRequests} HTTP calls and ${window.webSocket.messages} WebSocket messages in ${window.seconds.toFixed(1)} s idle` +
        `${requests ? `, ${storageRequests(requests)} storage requests` : ''}` +
        `${rebind ? `; a rebind: ${rebind.window.webSocket.messages} messages${rebind.requests ? `, ${storageRequests(rebind.requests)} storage requests` : ''}` : ''}` +
        `${errors.length ? `; errors: ${[...new Set(errors)].join('; ')}` : ''}`,
    );
    return cell;
  } finally {
    await consumer.close().catch(() => undefined);
    await done;
  }
}
