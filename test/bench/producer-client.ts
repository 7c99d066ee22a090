/**
 * Producer throughput through the client (lib/client/producer.ts): 1 KiB records from an
 * application that hands over a few records per event-loop turn, at lingerMs 0 and 20,
 * with the produce calls made and the modeled USD per GiB (lib/cost/cost-model.ts) of the
 * calls as measured in-process (S3 and DynamoDB requests counted on the handlers' clients).
 *
 * Standalone, so `npm run bench` is unchanged:
 *   node --openssl-legacy-provider --import tsx test/bench/producer-client.ts [--quick] [--url URL]
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SluiceHttpClient, SluiceProducer, type RecordMetadata } from '../../lib/client/index';
import { callProfileFromCounts, usdPerGib } from '../../lib/cost/cost-model';
import { counted } from './measure';
import { startTarget } from './target';

const RECORD_BYTES = 1024;
/** Records the application hands over per event-loop turn. */
const RECORDS_PER_TURN = 10;

export interface ProducerClientCell {
  lingerMs: number;
  records: number;
  calls: number;
  recordsPerCall: number;
  recordsPerSecond: number;
  mibPerSecond: number;
  meanCallMs: number;
  usdPerGib?: number;
}

export async function measureProducerClient(
  url: string,
  records: number,
  lingers: readonly number[],
  meters: Parameters<typeof counted>[0],
  lambdaMemoryMiB: number,
  progress: (line: string) => void,
): Promise<ProducerClientCell[]> {
  const cells: ProducerClientCell[] = [];
  const value = 'x'.repeat(RECORD_BYTES);
  const run = Math.random().toString(36).slice(2, 8);
  for (const lingerMs of lingers) {
    let calls = 0;
    let bodyBytes = 0;
    let callMs = 0;
    const fetchCounting: typeof fetch = async (input, init) => {
      if (init?.method !== 'POST' || !/\/records$/.test(String(input))) return fetch(input, init);
      calls++;
      bodyBytes += typeof init.body === 'string' ? Buffer.byteLength(init.body) : 0;
      const started = performance.now();
      try {
        return await fetch(input, init);
      } finally {
        callMs += performance.now() - started;
      }
    };
    const client = new SluiceHttpClient({ baseUrl: url, fetch: fetchCounting });
    const topic = `bench-producer-client-l${lingerMs}-${run}`;
    await client.createTopic(topic, { partitions: 4 });
    const producer = new SluiceProducer(client, { lingerMs });
    await producer.produce(topic, { value: 'warm' }); // producer id and topic metadata, outside the measurement
    calls = 0;
    bodyBytes = 0;
    callMs = 0;

    const started = performance.now();
    const { result: deliveries, requests } = await counted(meters, async () => {
      const all: Promise<RecordMetadata>[] = [];
      for (let i = 0; i < records; i++) {
        all.push(...(await producer.send(topic, { value })));
        if (i % RECORDS_PER_TURN === RECORDS_PER_TURN - 1) await nextTurn();
      }
      await producer.flush();
      return all;
    });
    await Promise.all(deliveries);
    const elapsedMs = performance.now() - started;
    await producer.close();

    const cell: ProducerClientCell = {
      lingerMs,
      records,
      calls,
      recordsPerCall: records / calls,
      recordsPerSecond: (records * 1000) / elapsedMs,
      mibPerSecond: (records * RECORD_BYTES) / 1024 ** 2 / (elapsedMs / 1000),
      meanCallMs: callMs / calls,
    };
    if (requests && calls > 0) {
      const profile = callProfileFromCounts(requests, calls, {
        records: records / calls,
        payloadBytes: (records * RECORD_BYTES) / calls,
        httpRequestBytes: bodyBytes / calls,
        lambdaMs: cell.meanCallMs,
        lambdaMemoryMiB,
      });
      cell.usdPerGib = usdPerGib(profile).total;
    }
    cells.push(cell);
    progress(
      `producer client lingerMs=${lingerMs}: ${records} records in ${calls} calls (${cell.recordsPerCall.toFixed(1)} records/call), ${cell.recordsPerSecond.toFixed(0)} records/s, ${cell.mibPerSecond.toFixed(2)} MiB/s, mean call ${cell.meanCallMs.toFixed(1)} ms${cell.usdPerGib === undefined ? '' : `, modeled $${cell.usdPerGib.toFixed(4)} per GiB`}`,
    );
  }
  return cells;
}

async function main(argv: readonly string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const urlAt = argv.indexOf('--url');
  const url = urlAt >= 0 ? argv[urlAt + 1] : undefined;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const target = await startTarget(url, log);
  try {
    const cells = await measureProducerClient(target.url, quick ? 2_000 : 20_000, [0, 20], target.meters, target.lambdaMemoryMiB.produce, log);
    process.stdout.write(`${JSON.stringify({ recordBytes: RECORD_BYTES, recordsPerTurn: RECORDS_PER_TURN, cells }, null, 2)}\n`);
  } finally {
    await target.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
