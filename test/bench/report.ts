import { requestUnitsFromCounts } from '../../lib/cost/cost-model';
import { countsOf, operationRows, totalCounts, type RequestSnapshot } from '../../lib/cost/request-accounting';
import type { CostReport } from './cost-report';
import type { LatencySummary } from './stats';
import { ratio } from './stats';
import { renderTable, usd, type Cell } from './table';
import type { ConsumeCell, EarliestResult, TailResult } from './workloads/fetch';
import type { LatencyResult } from './workloads/latency';
import type { ProduceCell } from './workloads/produce';
import type { ClientProduceCell, ProducerClientResult } from './workloads/producer-client';
import type { RawCell } from './workloads/raw-storage';
import { findRaw, renderIssueSections } from './issue-report';
import type { ContentionCell } from './workloads/contention';
import type { DescribeCell } from './workloads/describe';
import type { IdleCostResult } from './workloads/idle-cost';
import type { KafkaResult } from './workloads/kafka';
import type { ReaderLatencyCell } from './workloads/reader-latency';
import type { TailCostResult } from './workloads/tail-cost';
import type { SmallObjectCompactionResult } from './workloads/small-object-compaction';
import { renderSmallObjectCompaction } from './compaction-report';
import { renderConsolePaint, type ConsolePaintResult } from './console-paint-figures';
import { renderCliProduce, type CliProduceResult } from './workloads/cli-produce';

export interface BenchResults {
  startedAt: string;
  wallSeconds: number;
  command: string;
  mode: 'in-process' | 'remote';
  quick: boolean;
  /** loadAverage: the 1-minute load average when the run started and ended (other work on a shared machine shows here). */
  machine: { nproc: number; memory: string; node: string; platform: string; cpu: string; loadAverage: { start: number; end: number } };
  produce: ProduceCell[];
  /** Producer throughput through the client at two linger settings, beside one record per HTTP call. */
  producerClient?: ProducerClientResult;
  /** `cat file | sluice produce` at three input sizes (issue 17). */
  cliProduce?: CliProduceResult;
  consumeByBatch: ConsumeCell[];
  earliest?: EarliestResult;
  tail?: TailResult;
  latency?: LatencyResult;
  /** The raw produce sequence at one client for single-record calls, measured right after the latency workload. */
  latencyFloor?: RawCell;
  raw: RawCell[];
  cost?: CostReport;
  /** Consumers waiting at the tail of idle partitions, by way of waiting (issue #18). */
  tailCost?: TailCostResult;
  /** End-to-end latency through the client, long-polling and watching, in this run. */
  readerLatency?: ReaderLatencyCell[];
  contention?: ContentionCell[];
  /** Kafka clients through the gateway (issue 13). */
  kafka?: KafkaResult;
  describe?: DescribeCell[];
  /** Small objects read before and after compaction, and the compaction's cost. */
  compaction?: SmallObjectCompactionResult;
  /** The web console's first paint, screen by screen, and its bundle's size. */
  consolePaint?: ConsolePaintResult;
  idle?: IdleCostResult;
}

const MIB = 1024 ** 2;


/** The average object bytes a produce cell wrote, from the counted PutObject bodies. */
export function objectBytesOf(cell: ProduceCell): number | undefined {
  const put = cell.requests ? countsOf(cell.requests, 'S3', 'PutObject') : undefined;
  return put && put.attempts > 0 ? Math.round(put.bytesSent / put.attempts) : undefined;
}

function lat(s: LatencySummary): Cell[] {
  return [s.p50, s.p90, s.p99, s.max];
}

export function renderReport(r: BenchResults): string {
  const out: string[] = [];
  out.push(`# Sluice benchmark, ${r.startedAt}`);
  out.push('');
  out.push(
    `${r.mode === 'in-process' ? 'In-process local platform (DynamoDB Local + s3rver + HTTP API, one Node process)' : 'Remote endpoint'}; ` +
      `${r.quick ? '--quick' : 'full run'}; ${r.machine.nproc} cores (${r.machine.cpu}), ${r.machine.memory} RAM, Node ${r.machine.node}, ${r.machine.platform}; ` +
      `1-minute load average ${r.machine.loadAverage.start.toFixed(1)} at the start, ${r.machine.loadAverage.end.toFixed(1)} at the end; ` +
      `wall time ${r.wallSeconds.toFixed(0)} s; \`${r.command}\``,
  );

  out.push('', '## Produce throughput (1 KiB records, client i writes partition i)', '');
  out.push(
    renderTable(
      ['batch', 'clients', 'calls/s', 'records/s', 'MiB/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'object KiB', 'raw floor calls/s', 'x floor', 'raw PUT/s', 'x PUT', 'raw commit/s', 'x commit'],
      r.produce.map((c) => {
        const bytes = objectBytesOf(c);
        const floor = findRaw(r.raw, 'floor', c.clients, bytes);
        const put = findRaw(r.raw, 'put', c.clients, bytes);
        const commit = findRaw(r.raw, 'commit', c.clients);
        return [
          c.batch,
          c.clients,
          c.opsPerSecond,
          c.recordsPerSecond,
          c.mibPerSecond,
          c.latencyMs.p50,
          c.latencyMs.p99,
          c.latencyMs.max,
          c.errors,
          bytes === undefined ? undefined : bytes / 1024,
          floor?.opsPerSecond,
          ratio(c.opsPerSecond, floor?.opsPerSecond),
          put?.opsPerSecond,
          ratio(c.opsPerSecond, put?.opsPerSecond),
          commit?.opsPerSecond,
          ratio(c.opsPerSecond, commit?.opsPerSecond),
        ];
      }),
    ),
  );
  out.push(
    '',
    '"raw floor" is the minimum storage sequence the design needs for one produce call (PutObject of the same object size overlapped with one BatchGetItem of the head, then TransactWriteItems; no topic, quota or producer read), run back to back with the same concurrency straight against the emulators; "x" columns are Sluice calls/s divided by the raw rate.',
  );

  if (r.producerClient) out.push(...renderProducerClient(r.producerClient));
  if (r.cliProduce) out.push(...renderCliProduce(r.cliProduce));
  if (r.kafka) out.push(...renderKafka(r));

  const lightFloor = r.latencyFloor;
  out.push('', '## Latency (ms)', '');
  const latencyRows: Cell[][] = [];
  if (r.latency) {
    latencyRows.push(['produce, 1 record per call, one call every ~' + r.latency.gapMs + ' ms', r.latency.produceMs.count, ...lat(r.latency.produceMs)]);
    latencyRows.push(['end-to-end, same calls, long-polling reader', r.latency.endToEndMs.count, ...lat(r.latency.endToEndMs)]);
  }
  if (r.tail) {
    latencyRows.push([`produce, ${r.tail.producerBatch} records per call, back to back`, r.tail.produceLatencyMs.count, ...lat(r.tail.produceLatencyMs)]);
    latencyRows.push([`end-to-end under that load (per call)`, r.tail.endToEndMs.count, ...lat(r.tail.endToEndMs)]);
  }
  for (const c of r.readerLatency ?? []) latencyRows.push([`end-to-end through SluiceConsumer, ${c.mode === 'watch' ? 'watching (WebSocket)' : 'long-polling'}`, c.endToEndMs.count, ...lat(c.endToEndMs)]);
  if (lightFloor) latencyRows.push([`raw floor sequence, ${Math.round(lightFloor.objectBytes)} B object, 1 client, measured right after`, lightFloor.latencyMs.count, ...lat(lightFloor.latencyMs)]);
  out.push(renderTable(['what', 'samples', 'p50', 'p90', 'p99', 'max'], latencyRows));
  if (r.latency && lightFloor) {
    out.push('', `Produce p50 is ${ratio(r.latency.produceMs.p50, lightFloor.latencyMs.p50).toFixed(2)}x the raw floor p50; end-to-end p50 is ${ratio(r.latency.endToEndMs.p50, r.latency.produceMs.p50).toFixed(2)}x produce p50.`);
  }

  out.push('', '## Fetch throughput', '');
  if (r.earliest) {
    out.push(`From the earliest offset: ${r.earliest.prefill.records.toLocaleString('en-US')} records prefilled in batches of ${r.earliest.prefill.records / r.earliest.prefill.calls}, fetched with maxBytes 1 MiB, base64.`, '');
    out.push(
      renderTable(
        ['format', 'consumers', 'fetches/s', 'records/s', 'MiB/s', 'p50 ms', 'p99 ms', 'GETs/fetch', 'S3 bytes/byte', 'raw GET MiB/s', 'x raw GET'],
        r.earliest.cells.map((c) => {
          const get = findRaw(r.raw, 'get', c.consumers);
          const gets = c.requests ? countsOf(c.requests, 'S3', 'GetObject').requests / Math.max(1, c.ops) : undefined;
          return [c.format, c.consumers, c.opsPerSecond, c.recordsPerSecond, c.mibPerSecond, c.latencyMs.p50, c.latencyMs.p99, gets, c.s3BytesPerPayloadByte, get?.mibPerSecond, ratio(c.mibPerSecond, get?.mibPerSecond)];
        }),
      ),
    );
  }
  if (r.tail) {
    out.push('', `At the tail: one producer (${r.tail.producerBatch} records per call, back to back) and one reader long-polling with waitMs 2000.`, '');
    out.push(
      renderTable(
        ['produced', 'consumed', 'records/s', 'MiB/s', 'fetches/s', 'records/fetch'],
        [[r.tail.produced, r.tail.consumed, r.tail.consumedRecordsPerSecond, r.tail.consumedMibPerSecond, r.tail.fetchesPerSecond, r.tail.recordsPerFetch]],
      ),
    );
  }
  if (r.consumeByBatch.length) {
    out.push('', 'Consume calls at a batch size (maxRecords = the batch size the partition was written with, one reader):', '');
    out.push(
      renderTable(
        ['maxRecords', 'fetches/s', 'records/s', 'MiB/s', 'p50 ms', 'p99 ms', 'SDK requests/fetch', 'GETs/fetch', 'S3 bytes/byte'],
        r.consumeByBatch.map((c) => {
          const get = c.requests ? countsOf(c.requests, 'S3', 'GetObject') : undefined;
          return [
            c.maxRecords,
            c.opsPerSecond,
            c.recordsPerSecond,
            c.mibPerSecond,
            c.latencyMs.p50,
            c.latencyMs.p99,
            c.requests ? totalCounts(c.requests).requests / Math.max(1, c.ops) : undefined,
            get ? get.requests / Math.max(1, c.ops) : undefined,
            get && c.payloadBytes ? get.bytesReceived / c.payloadBytes : undefined,
          ];
        }),
      ),
    );
  }

  if (r.raw.length) {
    out.push('', '## Raw emulator rates (same run, direct SDK clients)', '');
    out.push(
      renderTable(
        ['what', 'object KiB', 'concurrency', 'ops/s', 'MiB/s', 'p50 ms', 'p99 ms'],
        r.raw.map((c) => [c.kind, c.objectBytes ? c.objectBytes / 1024 : undefined, c.concurrency, c.opsPerSecond, c.objectBytes ? c.mibPerSecond : undefined, c.latencyMs.p50, c.latencyMs.p99]),
      ),
    );
  }

  const single = r.produce.filter((c) => c.clients === 1 && c.requests);
  if (single.length) {
    out.push('', '## Requests per produce call and per MiB (one client)', '');
    out.push(renderTable(['batch', 'operation', 'requests/call', 'attempts/call', 'requests/MiB', 'reported capacity/call', 'items/call'], requestRows(single.map((c) => ({ label: c.batch, calls: c.ops, mib: (c.payloadBytes || 1) / MIB, requests: c.requests! })))));
    const totals = single.map((c) => {
      const mib = c.payloadBytes / MIB;
      const units = requestUnitsFromCounts(c.requests!);
      return [c.batch, totalCounts(c.requests!, 'S3').requests / mib, totalCounts(c.requests!, 'DynamoDB').requests / mib, units.writeRequestUnits / mib, units.readRequestUnits / mib, (totalCounts(c.requests!).attempts - totalCounts(c.requests!).requests) / c.ops] as Cell[];
    });
    out.push('', renderTable(['batch', 'S3 requests/MiB', 'DynamoDB requests/MiB', 'WRU/MiB (AWS rule)', 'RRU/MiB', 'SDK retries/call'], totals));
    const consumers = r.consumeByBatch.filter((c) => c.requests && c.ops);
    if (consumers.length) {
      out.push('', 'Per consume call (maxRecords = batch):', '');
      out.push(renderTable(['maxRecords', 'operation', 'requests/call', 'attempts/call', 'requests/MiB', 'reported capacity/call', 'items/call'], requestRows(consumers.map((c) => ({ label: c.batch, calls: c.ops, mib: (c.payloadBytes || 1) / MIB, requests: c.requests! })))));
    }
    const withBackground = single.filter((c) => c.background && (Object.keys(c.background.functions).length || operationRows(c.background.requests).length));
    if (withBackground.length) {
      out.push('', "Done meanwhile by functions on the tables' streams and schedules (push delivery's dispatcher, with no subscriptions), per produce call:", '');
      const rows: Cell[][] = [];
      for (const c of withBackground) {
        for (const [name, f] of Object.entries(c.background!.functions)) rows.push([c.batch, `${name} invocations`, f.invocations / c.ops, undefined, `${(f.ms / Math.max(1, f.invocations)).toFixed(1)} ms each`]);
        for (const op of operationRows(c.background!.requests)) rows.push([c.batch, `${op.service} ${op.operation}`, op.requests / c.ops, op.attempts / c.ops, op.service === 'DynamoDB' ? `${(op.capacityUnits / c.ops).toFixed(2)} capacity units` : '']);
      }
      out.push(renderTable(['batch', 'what', 'per produce call', 'attempts/call', 'note'], rows));
    }
    if (r.tail?.requests) {
      const mib = (r.tail.produced * 1024) / MIB;
      out.push('', `At the tail, producer and reader together: ${(totalCounts(r.tail.requests).requests / mib).toFixed(1)} SDK requests per MiB (${(totalCounts(r.tail.requests, 'S3').requests / mib).toFixed(1)} S3, ${(totalCounts(r.tail.requests, 'DynamoDB').requests / mib).toFixed(1)} DynamoDB).`);
    }
  }

  out.push(...renderIssueSections(r));
  if (r.compaction) out.push(...renderSmallObjectCompaction(r.compaction));
  if (r.consolePaint) out.push(...renderConsolePaint(r.consolePaint));

  if (r.cost) {
    out.push('', '## Modeled cost on AWS (us-east-1)', '');
    out.push(renderTable(['system', 'USD per GiB produced', 'USD per GiB consumed', 'note'], r.cost.perGib.map((p) => [p.system, usd(p.produce), usd(p.consume), p.note])));
    const systems = [...new Set(r.cost.monthly.map((m) => m.system))];
    const workloads = [...new Set(r.cost.monthly.map((m) => m.workload))];
    out.push('', 'USD per month:', '');
    out.push(
      renderTable(
        ['workload', ...systems],
        workloads.map((w) => [w, ...systems.map((s) => usd(r.cost!.monthly.find((m) => m.workload === w && m.system === s)?.usd ?? Number.NaN))]),
      ),
    );
    out.push('', 'Notes:', '');
    for (const m of r.cost.monthly) if (m.note) out.push(`- ${m.workload}, ${m.system}: ${m.note}; ${Object.entries(m.lines).map(([k, v]) => `${k} ${usd(v)}`).join(', ')}`);
    out.push('', 'Assumptions:', '');
    for (const a of r.cost.assumptions) out.push(`- ${a}`);
  } else if (r.mode === 'remote') {
    out.push('', 'Cost model skipped: request counts need the in-process platform.');
  }
  return out.join('\n') + '\n';
}

/** How a producer-client cell was driven, for the tables' first column. */
export function clientCellLabel(c: ClientProduceCell): string {
  if (c.kind === 'raw') return `raw: 1 record per HTTP call, ${c.senders} callers back to back`;
  if (c.kind === 'paced') return `client: ${c.senders} senders paced at ${(c.offeredRecordsPerSecond ?? 0).toLocaleString('en-US')} records/s`;
  return `client: ${c.senders} senders back to back`;
}

function renderProducerClient(p: ProducerClientResult): string[] {
  const out: string[] = [];
  const raw = p.cells.find((c) => c.kind === 'raw');
  out.push('', '## Producer client (1 KiB records through SluiceProducer: idempotent, default options but lingerMs)', '');
  out.push(
    renderTable(
      ['what', 'lingerMs', 'records', 'records/s', 'MiB/s', 'x raw records/s', 'HTTP calls', 'records/call', 'call p50 ms', 'ack p50 ms', 'ack p99 ms', 'errors'],
      p.cells.map((c) => [
        clientCellLabel(c),
        c.lingerMs,
        c.records,
        c.recordsPerSecond,
        c.mibPerSecond,
        c.kind === 'raw' ? undefined : ratio(c.recordsPerSecond, raw?.recordsPerSecond),
        c.calls,
        c.recordsPerCall,
        c.callMs.p50,
        c.ackMs.p50,
        c.ackMs.p99,
        c.errors,
      ]),
    ),
  );
  out.push(
    '',
    `Paced senders offer records on a fixed schedule (record n due n / rate seconds after the start); back-to-back senders hand one over per event-loop turn as fast as \`send\` accepts it. ` +
      `The two linger settings were measured in ${p.slices} alternating slices each. "ack" runs from \`send\` until the record's delivery promise settles (raw: the call). ` +
      'Each HTTP produce call is one API Gateway request (per started 512 KB of body) and one Lambda invocation.',
  );
  out.push('', 'Per GiB of record payload (modeled USD: lib/cost/cost-model.ts `usdPerGib` of the calls as counted, us-east-1; produce calls only, stream triggers not included):', '');
  out.push(
    renderTable(
      ['what', 'lingerMs', 'HTTP calls/GiB', 'x fewer than raw', 'API Gateway requests/GiB', 'Lambda invocations/GiB', 'S3 requests/GiB', 'DynamoDB requests/GiB', 'USD/GiB', 'API Gateway', 'Lambda requests', 'Lambda duration', 'S3', 'DynamoDB'],
      p.cells.map((c) => {
        const lines = c.perGib.usd?.lines;
        const line = (...names: string[]) => (lines ? usd(names.reduce((sum, n) => sum + (lines[n] ?? 0), 0)) : undefined);
        return [
          clientCellLabel(c),
          c.lingerMs,
          c.perGib.httpCalls,
          c.kind === 'raw' ? undefined : ratio(raw?.perGib.httpCalls, c.perGib.httpCalls),
          c.perGib.apiGatewayRequests,
          c.perGib.lambdaInvocations,
          c.perGib.s3Requests,
          c.perGib.dynamoRequests,
          c.perGib.usd ? usd(c.perGib.usd.total) : undefined,
          line('API Gateway requests'),
          line('Lambda requests'),
          line('Lambda duration'),
          line('S3 PUT/LIST', 'S3 GET'),
          line('DynamoDB writes', 'DynamoDB reads'),
        ];
      }),
    ),
  );
  const client = p.cells.find((c) => c.kind !== 'raw' && c.requests && c.calls);
  const perCall = [raw, client].filter((c): c is ClientProduceCell => !!c?.requests && c.calls > 0);
  if (perCall.length) {
    out.push('', 'Requests per HTTP produce call (the idempotent client\'s calls also read and write its producer state):', '');
    out.push(
      renderTable(
        ['what', 'operation', 'requests/call', 'attempts/call', 'requests/MiB', 'reported capacity/call', 'items/call'],
        requestRows(perCall.map((c) => ({ label: c.kind === 'raw' ? 'raw, 1 record per call' : `client, ${c.recordsPerCall.toFixed(1)} records per call`, calls: c.calls, mib: (c.payloadBytes || 1) / MIB, requests: c.requests! }))),
      ),
    );
  }
  return out;
}

function requestRows(cells: { label: number | string; calls: number; mib: number; requests: RequestSnapshot }[]): Cell[][] {
  const rows: Cell[][] = [];
  for (const cell of cells) {
    for (const op of operationRows(cell.requests)) {
      rows.push([
        cell.label,
        `${op.service} ${op.operation}`,
        op.requests / cell.calls,
        op.attempts / cell.calls,
        op.requests / cell.mib,
        op.service === 'DynamoDB' ? op.capacityUnits / cell.calls : undefined,
        op.service === 'DynamoDB' ? op.items / cell.calls : undefined,
      ]);
    }
  }
  return rows;
}

/** Kafka clients through the gateway, beside the HTTP client's rows of the same run. */
function renderKafka(r: BenchResults): string[] {
  const k = r.kafka!;
  const out: string[] = ['', `## Kafka clients through the gateway (1 KiB records, bootstrap ${k.bootstrap}, linger ${k.lingerMs} ms)`, ''];
  const rows: Cell[][] = k.cells.map((c) => [
    c.what,
    c.client,
    c.producers,
    c.recordsPerRequest || undefined,
    c.recordsPerSecond,
    c.mibPerSecond,
    c.latencyMs.count ? c.latencyMs.p50 : undefined,
    c.latencyMs.count ? c.latencyMs.p99 : undefined,
    c.putsPerMib,
    c.requestsPerPut,
    c.errors,
  ]);
  for (const c of r.producerClient?.cells ?? []) {
    if (c.kind === 'raw' || c.lingerMs === undefined) continue;
    rows.push([`produce (HTTP, ${c.offeredRecordsPerSecond ? 'paced' : 'back to back'}, lingerMs ${c.lingerMs})`, 'SluiceProducer', c.senders, undefined, c.recordsPerSecond, c.mibPerSecond, undefined, undefined, c.requests ? countsOf(c.requests, 'S3', 'PutObject').requests / (c.payloadBytes / MIB) : undefined, undefined, undefined]);
  }
  out.push(renderTable(['what', 'client', 'producers', 'records/request', 'records/s', 'MiB/s', 'p50 ms', 'p99 ms', 'S3 PUTs/MiB', 'requests/PUT', 'errors'], rows));
  out.push(
    '',
    'kafkajs sends acks=all requests and waits for each; @confluentinc/kafka-javascript sends the same batches through librdkafka (linger.ms 5, acks=all), each timed to its delivery reports; kcat sends a file with librdkafka\'s batching (linger.ms 5) and reports no per-request latency, so its row is throughput over the whole run, process start included. ' +
      'Small producers each hold their own connection and send one record a request: requests/PUT is how many the gateway\'s cross-connection batching wrote in one object. The HTTP rows are this run\'s producer-client cells.',
  );
  if (k.skipped.length) out.push('', ...k.skipped.map((why) => `- not measured: ${why}`));
  return out;
}
