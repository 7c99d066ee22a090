import { FUNCTIONS } from '../../infra/platform-spec';
import { callCost, usdPerGib } from '../../lib/cost/cost-model';
import { idleMonthly, runsPerMonth } from '../../lib/cost/idle-cost';
import { GIB, HOURS_PER_MONTH, PRICES, unitPrice } from '../../lib/cost/prices';
import { countsOf, totalCounts } from '../../lib/cost/request-accounting';
import { heartbeatsMonthly, kinesisConsumerPerGib, kinesisIdleConsumerMonthly, waitingMonthly } from '../../lib/cost/waiting-cost';
import {
  atLeast,
  atMost,
  CONNECT_MS_ASSUMED,
  contentionFigures,
  emptyPollsPerSecond,
  GOALS,
  boundMemberLines,
  heartbeatProfile,
  ISSUE_CONTENTION_TRANSACTIONS,
  rearmOccurrence,
  KEEPALIVE_SECONDS,
  REARM_SECONDS,
  CHECK_SECONDS,
  scheduledRuns,
  tailCellMonthly,
  tailCellRates,
  type Verdict,
} from './goals';
import type { BenchResults } from './report';
import { ratio } from './stats';
import type { TailCostCell, TailCostResult } from './workloads/tail-cost';
import { CHECK_EVERY_KEEPALIVES } from '../../lib/client/tail-watcher';
import { renderTable, usd, type Cell } from './table';
import type { RawCell } from './workloads/raw-storage';

/**
 * The report's issue #18 sections: tail cost, end-to-end latency by way of waiting, ratios
 * to the minimum design, contention and the idle bill. Every row carries its goal and a
 * pass/miss verdict; '–' where this run could not measure it.
 */

const memoryOf = (name: string) => FUNCTIONS.find((f) => f.name === name)?.memoryMiB ?? 1024;

export function findRaw(raw: readonly RawCell[], kind: RawCell['kind'], concurrency: number, objectBytes?: number): RawCell | undefined {
  return raw.find((r) => r.kind === kind && r.concurrency === concurrency && (objectBytes === undefined || Math.abs(r.objectBytes - objectBytes) <= 1));
}

/** The average object bytes a produce cell wrote (its counted PutObject bodies). */
function objectBytes(requests: BenchResults['produce'][number]['requests']): number | undefined {
  const put = requests ? countsOf(requests, 'S3', 'PutObject') : undefined;
  return put && put.attempts > 0 ? Math.round(put.bytesSent / put.attempts) : undefined;
}

export function renderIssueSections(r: BenchResults): string[] {
  const out: string[] = [];
  out.push(...renderTailCost(r));
  out.push(...renderLatencyByWait(r));
  out.push(...renderRatios(r));
  out.push(...renderContention(r));
  out.push(...renderIdle(r));
  return out;
}

function renderTailCost(r: BenchResults): string[] {
  const t = r.tailCost;
  if (!t) return [];
  const out: string[] = ['', '## Tail cost: consumers waiting at the tail of an idle topic', ''];
  out.push(
    `Each cell: that many independent consumers (SluiceConsumer, manual assignment of every partition, no group), nothing produced; counted over a ${(t.windowMs / 1000).toFixed(1)} s window once they were quiet. ` +
      `Watch mode: ${t.watch.available ? t.watch.note : `not measured (${t.watch.note})`}. Storage figures are for all consumers together; USD is per consumer a month.`,
    '',
  );
  const rows: Cell[][] = [];
  for (const c of t.cells) {
    const w = c.window;
    const s = w.seconds;
    const monthly = tailCellMonthly(c, memoryOf);
    const reads = c.requests ? totalCounts(c.requests, 'DynamoDB').requests : undefined;
    const s3 = c.requests ? totalCounts(c.requests, 'S3').requests : undefined;
    const rates = tailCellRates(c);
    rows.push([
      c.mode,
      c.consumers,
      c.partitions,
      reads === undefined ? undefined : reads / s,
      rates.readRequestUnits * c.consumers,
      rates.writeRequestUnits * c.consumers,
      s3 === undefined ? undefined : s3 / s,
      c.mode === 'long-poll' ? emptyPollsPerSecond(c) * c.consumers : w.httpRequests / s,
      w.concurrentCalls,
      w.lambdaGbSeconds / s,
      w.webSocket.connectionSeconds / s,
      w.webSocket.messages / s,
      usd(monthly.total),
      usd(kinesisIdleConsumerMonthly('shared', c.partitions).total),
      usd(kinesisIdleConsumerMonthly('enhanced-fan-out', c.partitions).total),
      `≤ ${usd(GOALS.idleConsumerUsd)}`,
      atMost(monthly.total, GOALS.idleConsumerUsd),
    ]);
  }
  out.push(
    renderTable(
      [
        'mode',
        'consumers',
        'partitions',
        'DynamoDB requests/s',
        'RRU/s (billed)',
        'WRU/s',
        'S3 requests/s',
        'HTTP requests/s',
        'Lambdas running',
        'Lambda GB-s/s',
        'WebSocket connections open',
        'WebSocket messages/s',
        'USD/month per consumer',
        'Kinesis shared consumer',
        'Kinesis EFO consumer',
        'goal',
        'pass/miss',
      ],
      rows,
    ),
  );
  const stream = HOURS_PER_MONTH * unitPrice(PRICES.kinesisOnDemandStreamHour);
  out.push(
    '',
    `HTTP requests/s for long-polls is the rate they come back empty (one per partition per wait, ${t.cells[0]?.waitMs ?? 10_000} ms), priced as one API Gateway request and one invocation each; "Lambdas running" is the long-polls in flight (each a 1,024 MB fetch function), priced as Lambda duration. ` +
      `Watch mode adds, per consumer, the watcher's keepalives (every ${KEEPALIVE_SECONDS / 60} minutes a ping and its pong, answered by API Gateway; every ${CHECK_SECONDS / 60} minutes a check of the armed watches instead: head reads, no writes, measured on its own below) and a reconnection every ${REARM_SECONDS / 3600} hours (a $connect invocation, assumed ${CONNECT_MS_ASSUMED} ms, and a re-arm, measured below), and its share of the daily head mark renewals. ` +
      `DynamoDB reads are billed at least one unit per item or query (DynamoDB Local reports 0 for a head that does not exist). ` +
      `Kinesis: a shared-throughput consumer costs nothing of its own (the stream does: $${stream.toFixed(2)} a month on demand, or $${(HOURS_PER_MONTH * unitPrice(PRICES.kinesisShardHour)).toFixed(2)} per provisioned shard); an enhanced fan-out consumer pays $${unitPrice(PRICES.kinesisEfoConsumerShardHour)} per consumer-shard-hour on every shard.`,
  );
  const periodic = t.cells.filter((c) => c.rearm || c.check);
  if (periodic.length) {
    out.push('', `A watch's periodic work, per consumer, measured on its own: a re-arm of every watch (what a reconnection does, every ${REARM_SECONDS / 3600} hours) and a check (every ${CHECK_SECONDS / 60}-minute keepalive in ${CHECK_EVERY_KEEPALIVES}):`, '');
    const row = (c: TailCostCell, what: string, m: NonNullable<TailCostCell['rearm']>): Cell[] => [what, c.consumers, c.partitions, m.window.webSocket.messages / c.consumers, m.requests ? totalCounts(m.requests).requests / c.consumers : undefined, m.answered, m.window.seconds * 1000];
    out.push(
      renderTable(
        ['what', 'consumers', 'partitions', 'messages', 'storage requests', 'answered', 'ms'],
        periodic.flatMap((c) => [...(c.rearm ? [row(c, 're-arm', c.rearm)] : []), ...(c.check ? [row(c, 'check', c.check)] : [])]),
      ),
    );
  }
  const lines: string[] = [];
  if (t.heartbeat) {
    const profile = heartbeatProfile(t.heartbeat, memoryOf('heartbeat-member'));
    if (profile) {
      const cost = heartbeatsMonthly(profile, t.heartbeat.intervalMs);
      const requests = t.heartbeat.requests ? totalCounts(t.heartbeat.requests).requests / t.heartbeat.calls : 0;
      lines.push(
        `- A group member also heartbeats: one call every ${t.heartbeat.intervalMs} ms, ${requests.toFixed(1)} storage requests (${profile.readRequestUnits.toFixed(1)} RRU, ${profile.writeRequestUnits.toFixed(1)} WRU) and ${t.heartbeat.meanMs.toFixed(1)} ms each: ${usd(cost.total)} a month per member, on top of its row above. Heartbeats alone against the ≤ ${usd(GOALS.idleConsumerUsd)} goal: ${atMost(cost.total, GOALS.idleConsumerUsd)}.`,
      );
    }
  }
  lines.push(...boundMemberLines(t, memoryOf));
  for (const p of r.cost?.profiles ?? []) {
    const perGib = usdPerGib(p.consume).total;
    const kinesis = kinesisConsumerPerGib('on-demand');
    lines.push(`- Under traffic, a consumer at ${p.label} (${p.consume.records.toFixed(0)} records per fetch): ${usd(perGib)} per GiB read vs Kinesis on-demand ${usd(kinesis)} (enhanced fan-out ${usd(kinesisConsumerPerGib('enhanced-fan-out'))} plus shard-hours): ${perGib < kinesis ? 'pass' : 'miss'}.`);
  }
  if (lines.length) out.push('', ...lines);
  out.push(...renderTrickle(r, t));
  return out;
}

/** Trickle rates (records a second into one partition) and tailFetchIntervalMs settings the trickle table prices. */
export const TRICKLE_RATES = [1, 10, 100] as const;
export const TRICKLE_INTERVALS_MS = [0, 1_000, 5_000] as const;

/**
 * A consumer at the tail of a trickle: each fetch at the tail answers what committed since
 * the last, then the partition is armed again. Priced from this run's measured figures: a
 * fetch as the consume cell with the fewest records per fetch that still holds them, and a
 * re-arm as the 1-consumer, 1-partition watch cell measured it; records per fetch follow
 * from the rate and the client's tailFetchIntervalMs (lib/client/consumer-options.ts).
 */
function renderTrickle(r: BenchResults, t: TailCostResult): string[] {
  const profiles = [...(r.cost?.profiles ?? [])].sort((a, b) => a.consume.records - b.consume.records);
  const watch = t.cells.find((c) => c.mode === 'watch' && c.consumers === 1 && c.partitions === 1 && c.rearm);
  if (!profiles.length || !watch) return [];
  const rearmUsd = waitingMonthly(rearmOccurrence(watch)).total / (HOURS_PER_MONTH * 3600);
  const kinesis = kinesisConsumerPerGib('on-demand');
  const recordBytes = profiles[0]!.consume.payloadBytes / Math.max(1, profiles[0]!.consume.records);
  const rows: Cell[][] = [];
  for (const rate of TRICKLE_RATES) {
    for (const intervalMs of TRICKLE_INTERVALS_MS) {
      const perFetch = Math.max(1, (rate * intervalMs) / 1000);
      const profile = profiles.find((p) => p.consume.records >= perFetch) ?? profiles.at(-1)!;
      const fetchUsd = callCost(profile.consume).total + rearmUsd;
      const perGib = (fetchUsd * GIB) / (perFetch * recordBytes);
      const monthly = ((rate * HOURS_PER_MONTH * 3600) / perFetch) * fetchUsd;
      rows.push([rate, intervalMs, perFetch, usd(fetchUsd * 1e6), usd(perGib), usd(monthly), perGib < kinesis ? 'pass' : 'miss']);
    }
  }
  return [
    '',
    `### A consumer at the tail of a trickle (${Math.round(recordBytes)}-byte records, one partition)`,
    '',
    renderTable(['records/s', 'tailFetchIntervalMs', 'records per fetch', 'USD per million fetches (fetch + re-arm)', 'USD per GiB read', 'USD a month', `below Kinesis on-demand's ${usd(kinesis)} per GiB`], rows),
    '',
    'A fetch is priced as this run\'s consume cell with the fewest records per fetch that holds them (its counted requests and handler time), plus the re-arm that follows it, as the 1-partition watch cell measured one. ' +
      'tailFetchIntervalMs trades latency for cost: a record waits up to the interval, and a trickle pays a fetch per interval instead of one per record. ' +
      'At interval 0 a fetch also takes what committed while the previous fetch and re-arm were under way, so at 100 records/s the row is an upper bound.',
  ];
}

function renderLatencyByWait(r: BenchResults): string[] {
  const cells = r.readerLatency ?? [];
  if (!cells.length && !r.latency) return [];
  const out: string[] = ['', '## End-to-end latency by way of waiting (same run)', ''];
  const longPoll = cells.find((c) => c.mode === 'long-poll');
  const rows: Cell[][] = [];
  if (r.latency) rows.push(['raw API reader, long-poll (the existing cell)', r.latency.endToEndMs.count, r.latency.endToEndMs.p50, r.latency.endToEndMs.p99, 'reference (issue: p50 108, p99 237 in a full run)', '–']);
  for (const c of cells) {
    const verdict: Verdict =
      c.mode === 'long-poll' || !longPoll ? '–' : atMost(c.endToEndMs.p50, longPoll.endToEndMs.p50) === 'pass' && atMost(c.endToEndMs.p99, longPoll.endToEndMs.p99) === 'pass' ? 'pass' : 'miss';
    rows.push([
      `SluiceConsumer, ${c.mode}${c.missing ? ` (${c.missing} not seen)` : ''}`,
      c.endToEndMs.count,
      c.endToEndMs.p50,
      c.endToEndMs.p99,
      c.mode === 'long-poll' ? 'reference' : '≤ long-poll p50 and p99',
      verdict,
    ]);
  }
  out.push(renderTable(['reader', 'samples', 'p50 ms', 'p99 ms', 'goal', 'pass/miss'], rows));
  return out;
}

function renderRatios(r: BenchResults): string[] {
  const out: string[] = ['', '## Ratios to the minimum the design needs', ''];
  const rows: Cell[][] = [];
  for (const c of r.produce) {
    const bytes = objectBytes(c.requests);
    const floor = findRaw(r.raw, 'floor', c.clients, bytes);
    const handler = c.handlerMs?.['produce-records'];
    const x = ratio(floor?.latencyMs.p50, handler?.p50);
    rows.push([
      `produce, batch ${c.batch}, ${c.clients} client(s)`,
      handler?.p50,
      floor?.latencyMs.p50,
      x,
      atLeast(x, GOALS.produceRatio),
      c.latencyMs.p50,
      ratio(floor?.latencyMs.p50, c.latencyMs.p50),
      c.opsPerSecond,
      floor?.opsPerSecond,
      ratio(c.opsPerSecond, floor?.opsPerSecond),
    ]);
  }
  out.push(
    renderTable(
      ['what', 'Sluice handler p50 ms', 'raw floor p50 ms', 'x = raw/handler (goal ≥ 0.8)', 'pass/miss', 'end-to-end p50 ms', 'x end-to-end', 'calls/s', 'raw floor calls/s', 'x calls/s'],
      rows,
    ),
  );
  out.push(
    '',
    'Raw floor: PutObject of the same object size overlapped with one BatchGetItem of the head, then a commit-shaped TransactWriteItems, against the same emulators right after the Sluice cell. ' +
      'The goal is judged on the handler: its duration as Lambda bills it, from the event to the result, which is Sluice\'s code around exactly the calls the floor makes. ' +
      'End to end adds the local stand-in for API Gateway (an HTTP hop and the body upload in this same process), which the floor does not pay and a deployment pays to API Gateway, not to Sluice.',
  );

  const fetchRows: Cell[][] = [];
  for (const c of r.earliest?.cells ?? []) {
    const get = findRaw(r.raw, 'get', c.consumers);
    const floor = findRaw(r.raw, 'fetch-floor', c.consumers);
    const handler = c.handlerMs?.['fetch-records'];
    const x = ratio(get?.latencyMs.p50, handler?.p50);
    fetchRows.push([
      `fetch from earliest (${c.format}), ${c.consumers} consumer(s)`,
      handler?.p50,
      get?.latencyMs.p50,
      x,
      atLeast(x, GOALS.fetchRatio),
      c.mibPerSecond,
      get?.mibPerSecond,
      ratio(c.mibPerSecond, get?.mibPerSecond),
      ratio(c.mibPerSecond, floor?.mibPerSecond),
      c.s3BytesPerPayloadByte,
      atMost(c.s3BytesPerPayloadByte, GOALS.s3BytesPerByte),
    ]);
  }
  for (const c of r.consumeByBatch) {
    const get = c.requests ? countsOf(c.requests, 'S3', 'GetObject') : undefined;
    const amplification = get && c.payloadBytes ? get.bytesReceived / c.payloadBytes : undefined;
    fetchRows.push([`consume maxRecords ${c.maxRecords}`, c.handlerMs?.['fetch-records']?.p50, undefined, undefined, '–', c.mibPerSecond, undefined, undefined, undefined, amplification, atMost(amplification, GOALS.s3BytesPerByte)]);
  }
  if (fetchRows.length) {
    out.push('');
    out.push(
      renderTable(
        ['what', 'Sluice handler p50 ms', 'raw GET p50 ms', 'x = raw GET/handler (goal ≥ 0.5)', 'pass/miss', 'end-to-end MiB/s', 'raw GET MiB/s', 'x MiB/s', 'x raw fetch floor MiB/s', 'S3 bytes/byte (goal ≤ 1.05)', 'pass/miss'],
        fetchRows,
      ),
    );
    out.push(
      '',
      'Raw GET: a ranged GetObject of one prefilled object\'s bytes. Raw fetch floor: one index Query, then one ranged GET per object of the batches it returns, at once. ' +
        'Judged on the handler as produce is; the end-to-end MiB/s also carry the local HTTP hop and the client parsing the answer.',
    );
  }
  const [one, many] = [r.describe?.find((d) => d.partitions === 1), r.describe?.find((d) => d.partitions > 1)];
  if (one && many) {
    const x = ratio(many.latencyMs.p50, one.latencyMs.p50);
    out.push('');
    const floorOf = (partitions: number) => r.raw.find((c) => c.kind === 'describe-floor' && c.partitions === partitions);
    const [floorOne, floorMany] = [floorOf(one.partitions), floorOf(many.partitions)];
    const perCall = (c: typeof many.offsets) => (c?.requests ? totalCounts(c.requests).requests / Math.max(1, c.ops) : undefined);
    const [offsetsOne, offsetsMany] = [one.offsets, many.offsets];
    // The offsets call's speed against the floor of the same reads: floor p50 / Sluice p50, on the
    // handler's duration where the run has it (as produce and fetch are judged), else end to end.
    const handlerOf = (c: typeof many.offsets, fn: string) => c?.handlerMs?.[fn]?.p50;
    const offsetsVsFloor = ratio(floorMany?.latencyMs.p50, handlerOf(offsetsMany, 'list-topic-offsets') ?? offsetsMany?.latencyMs.p50);
    out.push(
      renderTable(
        ['what', 'p50 ms, 1 partition', `p50 ms, ${many.partitions} partitions`, 'ratio (goal ≤ 2)', 'pass/miss', `storage requests per call (${many.partitions})`, `handler p50 ms (${many.partitions})`, `x raw floor at ${many.partitions} (floor/handler p50)`],
        [
          ['describe topic (the topic item alone)', one.latencyMs.p50, many.latencyMs.p50, x, atMost(x, GOALS.describeRatio), perCall(many), handlerOf(many, 'describe-topic'), undefined],
          ...(offsetsOne && offsetsMany
            ? [
                [
                  'topic offsets (GET /v1/topics/{topic}/offsets: the topic, then every head)',
                  offsetsOne.latencyMs.p50,
                  offsetsMany.latencyMs.p50,
                  ratio(offsetsMany.latencyMs.p50, offsetsOne.latencyMs.p50),
                  '–',
                  perCall(offsetsMany),
                  handlerOf(offsetsMany, 'list-topic-offsets'),
                  offsetsVsFloor,
                ] as Cell[],
              ]
            : []),
          ...(floorOne && floorMany ? [['raw floor: the topic item, then every head (BatchGetItems of ≤ 100 keys at once)', floorOne.latencyMs.p50, floorMany.latencyMs.p50, ratio(floorMany.latencyMs.p50, floorOne.latencyMs.p50), '–', 1 + Math.ceil(many.partitions / 100), undefined, undefined] as Cell[]] : []),
        ],
      ),
    );
    out.push('', 'Describe answers the topic alone (one read, as Kafka\'s DescribeTopics); every partition\'s offsets are their own route (Kafka\'s ListOffsets), whose reads grow with the partitions. The ratio goal is describe\'s (end-to-end p50); the offsets call is set against the raw floor of the same reads, on its handler\'s duration where the run has it.');
    if (floorOne && floorMany && offsetsMany) out.push('', `Topic offsets of ${many.partitions} partitions run at ${offsetsVsFloor?.toFixed(2)}× the raw floor's speed (its handler's p50 where measured, else end to end); the floor's own ${many.partitions}-vs-1 ratio is ${ratio(floorMany.latencyMs.p50, floorOne.latencyMs.p50)?.toFixed(1)}× (the reads of ${many.partitions} heads, which DynamoDB Local serves one item at a time).`);
  }
  return out;
}

function renderContention(r: BenchResults): string[] {
  const cells = r.contention ?? [];
  if (!cells.length) return [];
  const out: string[] = ['', '## Contention: producers on one partition (1 record per call, back to back)', ''];
  out.push(
    renderTable(
      ['producers', 'calls/s', 'p50 ms', 'p99 ms', 'transactions/call', 'attempts/call', 'cancelled/call', 'billed WRU/call', 'goal: transactions/call ≤ issue #18', 'pass/miss', 'errors'],
      cells.map((c) => {
        const f = contentionFigures(c);
        const baseline = ISSUE_CONTENTION_TRANSACTIONS[c.producers];
        return [c.producers, c.opsPerSecond, c.latencyMs.p50, c.latencyMs.p99, f?.transactionsPerCall, f?.attemptsPerCall, f?.cancelledPerCall, f?.billedWruPerCall, baseline === undefined ? '–' : `≤ ${baseline}`, baseline === undefined ? '–' : atMost(f?.transactionsPerCall, baseline), c.errors];
      }),
    ),
  );
  out.push('', 'Transactions are counted as sent (TransactWriteItems requests, cancelled ones included); AWS bills a cancelled transaction\'s items as if it had succeeded, at 2 WRU per item.');
  return out;
}

function renderIdle(r: BenchResults): string[] {
  const idle = r.idle;
  if (!idle) return [];
  const out: string[] = ['', '## Idle cost: no traffic, no consumers', ''];
  const runs = scheduledRuns(idle.runs);
  const cost = idleMonthly(runs, idle.inventory);
  out.push(`Each scheduled function was run once on the platform with ${idle.topics} topics x ${idle.partitions} partitions (each written once, nothing due); a month of runs priced from its counted requests and time.`, '');
  for (const cell of idle.runs) {
    const perRun = cell.requests ? totalCounts(cell.requests).requests : 0;
    out.push(`- ${cell.name}: every ${cell.rateMinutes} min = ${runsPerMonth(cell.rateMinutes).toLocaleString('en-US')} runs a month x (${perRun} storage requests, ${cell.ms.toFixed(0)} ms at ${cell.memoryMiB} MB): ${usd(cost.lines[`scheduled: ${cell.name}`] ?? 0)} a month${cell.steadyS3Lists === undefined ? '' : `; its LISTs priced at the idle steady state, ${cell.steadyS3Lists} a run (this first run lists all 256 prefixes once)`}${cell.error ? ` (the run failed: ${cell.error})` : ''}`);
  }
  if (idle.inventory) {
    out.push(`- CloudWatch alarms: ${idle.inventory.alarms} alarms reading ${idle.inventory.alarmMetrics} metrics at $0.10: ${usd(cost.lines['CloudWatch alarms'] ?? 0)} a month${idle.inventory.compositeAlarms ? ` (and ${idle.inventory.compositeAlarms} composite alarms, not priced)` : ''}`);
    out.push(`- CloudWatch dashboards: ${idle.inventory.dashboards} at $3.00: ${usd(cost.lines['CloudWatch dashboards'] ?? 0)} a month (the first 3 dashboards of an account are free)`);
  } else {
    out.push(`- CloudWatch alarms and dashboards: not counted (${idle.inventoryError ?? 'no template'})`);
  }
  out.push('- HTTP API, WebSocket API, stream triggers, tables on demand: $0 while idle (no requests, no connections; Lambda reads DynamoDB Streams for free)');
  out.push(`- **Total: ${usd(cost.total)} a month plus storage; goal ≤ ${usd(GOALS.idleUsd)}: ${atMost(cost.total, GOALS.idleUsd)}**`);
  return out;
}
