import { FUNCTIONS } from '../../infra/platform-spec';
import { requestUnitsFromCounts } from '../../lib/cost/cost-model';
import { GIB, MIB } from '../../lib/cost/prices';
import { countsOf, operationRows, type RequestSnapshot } from '../../lib/cost/request-accounting';
import { compactionCost, dynamoReads, dynamoWrites, readFigures, reduction, type CompactionCounts, type ReadFigures } from './compaction-figures';
import { renderTable, usd, type Cell } from './table';
import type { ReadPass, SmallObjectCompactionResult } from './workloads/small-object-compaction';

const memoryOf = (name: string) => FUNCTIONS.find((f) => f.name === name)?.memoryMiB ?? 1024;

/** The read figures of one pass, when its requests were counted. */
export function figuresOfRead(read: ReadPass, fetchMemoryMiB: number): ReadFigures | undefined {
  if (!read.requests) return undefined;
  return readFigures({ fetches: read.fetches, records: read.records, recordBytes: read.recordBytes, fetchMs: read.fetchMs.mean, memoryMiB: fetchMemoryMiB, requests: read.requests });
}

/** The compaction's counts for the cost model: its own requests and time, and the stream triggers it woke. */
export function compactionCountsOf(c: SmallObjectCompactionResult): CompactionCounts | undefined {
  const requests = c.compaction.requests;
  if (!requests) return undefined;
  const functions = Object.entries(c.compaction.triggered?.functions ?? {});
  return {
    requests,
    ms: c.compaction.ms,
    memoryMiB: c.memoryMiB.compaction,
    compactedBytes: c.before.shape.recordBytes,
    ...(c.compaction.triggered
      ? {
          triggered: {
            invocations: functions.reduce((n, [, f]) => n + f.invocations, 0),
            gbMs: functions.reduce((n, [name, f]) => n + (f.ms * memoryOf(name)) / 1024, 0),
            requests: c.compaction.triggered.requests,
          },
        }
      : {}),
  };
}

export function renderSmallObjectCompaction(c: SmallObjectCompactionResult): string[] {
  const out: string[] = ['', '## Small objects before and after compaction', ''];
  const mib = (n: number) => n / MIB;
  out.push(
    `One partition, ${c.produce.records.toLocaleString('en-US')} records of ${c.recordBytes} B written in ${c.produce.calls.toLocaleString('en-US')} 1-record produce calls (${plural(c.produce.producers, 'caller')}${c.produce.errors ? `, ${c.produce.errors} errors` : ''}), ` +
      `read from the earliest offset to the end with \`fetchRecords\` (maxBytes ${mib(c.fetch.maxBytes)} MiB, maxRecords ${c.fetch.maxRecords.toLocaleString('en-US')}, index page cache cleared; no HTTP hop, access or quota check), ` +
      `before and after one \`compactLog\` run (force; ${mib(c.limits.targetBatchBytes)} MiB batches in ${mib(c.limits.targetObjectBytes)} MiB objects; mergeMinAgeMs ${c.limits.mergeMinAgeMs}).`,
    '',
  );
  const before = figuresOfRead(c.before.read, c.memoryMiB.fetch);
  const after = figuresOfRead(c.after.read, c.memoryMiB.fetch);
  const row = (what: string, b: number | undefined, a: number | undefined): Cell[] => [what, b, a, b === undefined || a === undefined ? undefined : reduction(b, a)];
  const rows: Cell[][] = [
    row('S3 GETs per MiB read', before?.getsPerMib, after?.getsPerMib),
    row('S3 bytes read per MiB read', before?.s3BytesPerMib, after?.s3BytesPerMib),
    row('S3 bytes read per record byte', before?.s3BytesPerByte, after?.s3BytesPerByte),
    row('DynamoDB read requests per MiB read', before?.dynamoReadsPerMib, after?.dynamoReadsPerMib),
    row('DynamoDB read units per MiB read (AWS rule)', before?.readUnitsPerMib, after?.readUnitsPerMib),
    row('fetches', c.before.read.fetches, c.after.read.fetches),
    row('storage requests per fetch', before?.requestsPerFetch, after?.requestsPerFetch),
    row('fetch p50 ms (in process, over the emulators)', c.before.read.fetchMs.p50, c.after.read.fetchMs.p50),
    row('index items', c.before.shape.indexItems, c.after.shape.indexItems),
    row('objects the index names', c.before.shape.objects, c.after.shape.objects),
    row("the partition's objects in the bucket", c.before.shape.objectsInBucket, c.after.shape.objectsInBucket),
    row("the partition's MiB in the bucket", mib(c.before.shape.bytesInBucket), mib(c.after.shape.bytesInBucket)),
  ];
  out.push(renderTable(['figure', 'before', 'after', 'before ÷ after'], rows));
  if (before && after) {
    out.push(
      '',
      `Modeled USD per GiB read this way (fetch calls as the cost model prices a consume call: API Gateway, Lambda at ${c.memoryMiB.fetch} MiB for the mean fetch time, S3, DynamoDB): ` +
        `before ${usd(before.usdPerGib.total)} (S3 GET ${usd(before.usdPerGib.lines['S3 GET'] ?? 0)}), after ${usd(after.usdPerGib.total)} (S3 GET ${usd(after.usdPerGib.lines['S3 GET'] ?? 0)}).`,
    );
  }

  const p = c.compaction.partition;
  out.push('', 'The compaction run:', '');
  if (p) {
    out.push(
      `${p.batchesRead.toLocaleString('en-US')} batches read in ${p.gets.toLocaleString('en-US')} GETs (${mib(p.bytesRead).toFixed(2)} MiB), ${plural(p.batchesWritten, 'batch', 'batches')} written in ${plural(p.objectsWritten, 'object')} (${mib(p.bytesWritten).toFixed(2)} MiB), ` +
        `${p.release.batchesReleased.toLocaleString('en-US')} index items released, ${p.release.objectsReleased.toLocaleString('en-US')} ref items released, ${p.release.objectsDeleted.toLocaleString('en-US')} objects deleted on release; ` +
        `${p.swapsRefused} swaps refused, ${p.release.failures} release failures; ${(c.compaction.ms / 1000).toFixed(1)} s in this process.`,
      '',
    );
  } else {
    out.push('compactLog did not compact the partition.', '');
  }
  if (c.compaction.requests) out.push(renderTable(['operation', 'requests', 'attempts', 'items', 'bytes sent', 'bytes received'], requestTable(c.compaction.requests)));
  const counts = compactionCountsOf(c);
  if (counts) {
    const cost = compactionCost(counts);
    const units = requestUnitsFromCounts(counts.requests);
    const s3 = (op: string) => countsOf(counts.requests, 'S3', op).requests;
    const gib = counts.compactedBytes / GIB;
    const requestsOnly = cost.run.total - (cost.run.lines['Lambda requests'] ?? 0) - (cost.run.lines['Lambda duration'] ?? 0);
    out.push(
      '',
      `Modeled cost of the run (lib/cost prices; one scheduled invocation, no API Gateway): ${usd(cost.run.total)} for ${mib(counts.compactedBytes).toFixed(2)} MiB of records compacted, ${usd(cost.runPerGib)} per GiB compacted: ` +
        Object.entries(cost.run.lines)
          .filter(([, v]) => v > 0)
          .map(([k, v]) => `${k} ${usd(v)}`)
          .join(', ') +
        `; its storage requests alone (no Lambda) ${usd(requestsOnly)}, ${usd(requestsOnly / gib)} per GiB. Counted: ${s3('GetObject')} S3 GETs, ${s3('PutObject')} PUTs, ${s3('DeleteObject') + s3('DeleteObjects')} DELETE requests (free); ${dynamoReads(counts.requests)} DynamoDB read requests (${units.readRequestUnits} RRU), ${dynamoWrites(counts.requests)} write requests (${units.writeRequestUnits} WRU, transactions at 2 per item); Lambda ${(counts.ms / 1000).toFixed(1)} s at ${counts.memoryMiB} MiB.`,
    );
    const t = counts.triggered;
    if (t) {
      const byName = Object.entries(c.compaction.triggered?.functions ?? {})
        .map(([name, f]) => `${name} ${f.invocations}`)
        .join(', ');
      out.push(
        '',
        `Functions on the tables' streams meanwhile (until ${((c.compaction.windowMs - c.compaction.ms) / 1000).toFixed(1)} s after the run, once quiet for 1 s; their filters pass head moves, which compaction does not make): ` +
          `${t.invocations} invocations${byName ? ` (${byName})` : ''}, ${operationRows(t.requests).reduce((n, r) => n + r.requests, 0)} storage requests, ${usd(cost.triggered.total)}; with the run ${usd(cost.total)}, ${usd(cost.perGib)} per GiB compacted.` +
          (c.compaction.scheduledMeanwhile.length ? ` Scheduled functions that ran on their own timers meanwhile (${c.compaction.scheduledMeanwhile.join(', ')}) are not counted.` : ''),
      );
    }
    if (before && after) {
      const saved = (before.usdPerGib.total - after.usdPerGib.total) * gib;
      out.push(
        '',
        `One read of the partition from the start costs ${usd(before.usdPerGib.total * gib)} before and ${usd(after.usdPerGib.total * gib)} after: ` +
          `the compaction costs as much as ${saved > 0 ? (cost.total / saved).toFixed(1) : '–'} such reads save (${saved > 0 ? (requestsOnly / saved).toFixed(1) : '–'} for its storage requests alone).`,
      );
    }
  }
  if (c.problems.length) out.push('', 'Not as expected:', '', ...c.problems.map((problem) => `- ${problem}`));
  return out;
}

function requestTable(requests: RequestSnapshot): Cell[][] {
  return operationRows(requests).map((op) => [`${op.service} ${op.operation}`, op.requests, op.attempts, op.service === 'DynamoDB' ? op.items : undefined, op.bytesSent, op.bytesReceived]);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
