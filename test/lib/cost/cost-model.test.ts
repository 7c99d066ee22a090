import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  callCost,
  callProfileFromCounts,
  kinesisOnDemandMonthly,
  kinesisProvisionedMonthly,
  kinesisShardsForPeak,
  meteredApiRequests,
  mskServerlessMonthly,
  requestUnitsFromCounts,
  sluiceMonthly,
  usdPerGib,
  workloadVolume,
  WORKLOADS,
  type CallProfile,
  type SluiceProfile,
  type Workload,
} from '../../../lib/cost/cost-model';
import { PRICES, unitPrice } from '../../../lib/cost/prices';
import { emptyCounts, type RequestSnapshot } from '../../../lib/cost/request-accounting';

/** Every expected figure below is worked out by hand from the prices in lib/cost/prices.ts. */
const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= Math.abs(expected) * 1e-9 + 1e-12, `${what}: ${actual} is not ${expected}`);

const [steady1, steady10, bursty] = WORKLOADS as [Workload, Workload, Workload];

/** A produce call of 1,024 records of 1 KiB (1 MiB), sent as a 1.1 MB JSON body. */
const PRODUCE: CallProfile = {
  records: 1024,
  payloadBytes: 1024 * 1024,
  httpRequestBytes: 1_100_000,
  s3Puts: 1,
  s3Gets: 0,
  s3Lists: 0,
  writeRequestUnits: 8,
  readRequestUnits: 1.5,
  lambdaMs: 100,
  lambdaMemoryMiB: 1024,
};

describe('prices', () => {
  it('name a source, a date and how each figure was found', () => {
    for (const [id, price] of Object.entries(PRICES)) {
      assert.match(price.source, /^https:\/\/aws\.amazon\.com\//, id);
      assert.match(price.takenOn, /^\d{4}-\d{2}-\d{2}$/, id);
      assert.ok(price.evidence.length > 20, id);
      assert.ok(price.usd > 0 && price.per > 0, id);
    }
    assert.equal(unitPrice(PRICES.s3PutRequests), 0.000005);
    assert.equal(PRICES.dynamoStreamsReadRequestUnits.verified, false, 'no figure was found for Streams reads');
  });
});

describe('API Gateway metering', () => {
  it('counts one request per started 512 KB, and at least one', () => {
    assert.equal(meteredApiRequests(0), 1);
    assert.equal(meteredApiRequests(512 * 1024), 1);
    assert.equal(meteredApiRequests(512 * 1024 + 1), 2);
    assert.equal(meteredApiRequests(1_100_000), 3); // 1,100,000 / 524,288 = 2.1
  });
});

describe('callCost and usdPerGib', () => {
  it('price one call line by line', () => {
    const cost = callCost(PRODUCE);
    close(cost.lines['API Gateway requests']!, 3 * 0.000001, 'API Gateway: 3 metered requests at $1 per million');
    close(cost.lines['Lambda requests']!, 0.0000002, 'Lambda request');
    close(cost.lines['Lambda duration']!, 1 * 0.1 * 0.0000133334, 'Lambda: 1 GB for 0.1 s');
    close(cost.lines['S3 PUT/LIST']!, 0.000005, 'one PUT at $0.005 per 1,000');
    close(cost.lines['S3 GET']!, 0, 'no GET');
    close(cost.lines['DynamoDB writes']!, 8 * 0.000000625, '8 WRU');
    close(cost.lines['DynamoDB reads']!, 1.5 * 0.000000125, '1.5 RRU');
    // 3e-6 + 2e-7 + 1.33334e-6 + 5e-6 + 5e-6 + 1.875e-7
    close(cost.total, 0.00001472084, 'total');
  });

  it('scale a call to a GiB of payload', () => {
    // 1 MiB per call: 1,024 calls per GiB.
    close(usdPerGib(PRODUCE).total, 0.00001472084 * 1024, 'per GiB');
    const small: CallProfile = { ...PRODUCE, records: 1, payloadBytes: 1024, httpRequestBytes: 1200, lambdaMs: 20 };
    // 1,048,576 calls per GiB, each: 1e-6 + 2e-7 + (1 x 0.02 x 0.0000133334) + 5e-6 + 5e-6 + 1.875e-7
    close(usdPerGib(small).total, (0.000001 + 0.0000002 + 0.000000266668 + 0.000005 + 0.000005 + 0.0000001875) * 1_048_576, 'one record per call');
  });
});

describe('workload volumes', () => {
  it('1 MiB/s for 730 hours is 2,566.40625 GiB, 84.375 GiB kept for 24 hours', () => {
    const volume = workloadVolume(steady1);
    close(volume.gibPerMonth, (730 * 3600) / 1024, 'GiB a month');
    close(volume.gibPerMonth, 2566.40625, 'GiB a month');
    close(volume.recordsPerMonth, 730 * 3600 * 1024, 'records');
    close(volume.storedGibMonths, 84.375, '24 hours of 1 MiB/s');
  });

  it('bursty: 10 MiB/s for one hour on each of 30.4167 days', () => {
    const volume = workloadVolume(bursty);
    // 10 MiB x 3,600 s = 35.15625 GiB a day, x 730/24 days
    close(volume.gibPerMonth, 35.15625 * (730 / 24), 'GiB a month');
    close(volume.storedGibMonths, 35.15625 * (730 / 24) * (24 / 730), 'each day kept a day: 35.15625 GiB on average');
    assert.equal(volume.peakBytesPerSecond, 10 * 1024 * 1024);
  });
});

describe('Kinesis', () => {
  it('on-demand, 1 MiB/s: stream-hours, data in, data out', () => {
    const cost = kinesisOnDemandMonthly(steady1);
    close(cost.lines['stream-hours']!, 730 * 0.04, 'stream-hours'); // 29.20
    close(cost.lines['data in']!, 2566.40625 * 0.08, 'data in'); // 205.3125
    close(cost.lines['data out']!, 2566.40625 * 0.04, 'data out'); // 102.65625
    close(cost.total, 337.16875, 'total');
  });

  it('on-demand rounds each record up to 1 KiB', () => {
    const halfKib: Workload = { ...steady1, recordBytes: 512 };
    // Twice the records, each billed as 1 KiB: data in doubles, data out does not.
    close(kinesisOnDemandMonthly(halfKib).lines['data in']!, 2 * 205.3125, 'data in');
    close(kinesisOnDemandMonthly(halfKib).lines['data out']!, 102.65625, 'data out');
  });

  it('provisioned: shards for the peak by bytes, records and reads', () => {
    assert.equal(kinesisShardsForPeak(steady1), 2, '1,024 records/s need two shards though 1 MiB/s fits one');
    assert.equal(kinesisShardsForPeak(steady10), 11, '10,240 records/s');
    assert.equal(kinesisShardsForPeak(bursty), 11, 'sized for the burst, all month');
    assert.equal(kinesisShardsForPeak({ ...steady1, recordBytes: 64 * 1024 }), 1);
    assert.equal(kinesisShardsForPeak({ ...steady1, recordBytes: 64 * 1024, consumers: 5 }), 3, '5 MiB/s out at 2 MiB/s a shard');
  });

  it('provisioned, 1 MiB/s: two shards and one PUT payload unit per record', () => {
    const cost = kinesisProvisionedMonthly(steady1);
    assert.equal(cost.shards, 2);
    close(cost.lines['shard-hours']!, 2 * 730 * 0.015, 'shard-hours'); // 21.90
    close(cost.lines['PUT payload units']!, ((730 * 3600 * 1024) / 1e6) * 0.014, 'payload units'); // 37.675008
    close(cost.total, 59.575008, 'total');
  });

  it('provisioned, bursty: pays for 11 shards all month', () => {
    const cost = kinesisProvisionedMonthly(bursty);
    close(cost.lines['shard-hours']!, 11 * 730 * 0.015, 'shard-hours'); // 120.45
    close(cost.lines['PUT payload units']!, ((10 * 1024 * 3600 * (730 / 24)) / 1e6) * 0.014, 'payload units');
  });
});

describe('MSK Serverless', () => {
  it('1 MiB/s on 16 partitions', () => {
    const cost = mskServerlessMonthly(steady1, 16);
    close(cost.lines['cluster-hours']!, 547.5, 'cluster-hours');
    close(cost.lines['partition-hours']!, 16 * 730 * 0.0015, 'partition-hours'); // 17.52
    close(cost.lines['data in']!, 256.640625, 'data in');
    close(cost.lines['data out']!, 128.3203125, 'data out');
    close(cost.lines.storage!, 8.4375, 'storage');
    close(cost.total, 958.4184375, 'total');
  });
});

describe('sluiceMonthly', () => {
  const consume: CallProfile = { ...PRODUCE, httpRequestBytes: 0, s3Puts: 0, s3Gets: 1, writeRequestUnits: 0, readRequestUnits: 2, lambdaMs: 50 };
  const profile: SluiceProfile = {
    label: 'batch 1024',
    produce: PRODUCE,
    consume,
    storedBytesPerPayloadByte: 1.1,
    dynamoBytesPerProduceCall: 1024,
    objectsPerProduceCall: 1,
  };

  it('adds produce and consume calls, storage, the orphan collector and retention', () => {
    const cost = sluiceMonthly(steady1, profile);
    const calls = 730 * 3600; // one 1 MiB call a second
    close(cost.lines.produce!, calls * 0.00001472084, 'produce');
    // consume call: 1e-6 + 2e-7 + (1 x 0.05 x 0.0000133334) + 0.0000004 (one GET) + 2 x 1.25e-7
    const consumeCall = 0.000001 + 0.0000002 + 0.00000066667 + 0.0000004 + 0.00000025;
    close(cost.lines.consume!, calls * consumeCall, 'consume');
    close(cost.lines['S3 storage']!, 84.375 * 1.1 * 0.023, 'S3 storage');
    // 86,400 calls kept for 24 hours, 1 KiB each
    close(cost.lines['DynamoDB storage']!, ((86_400 * 1024) / 1024 ** 3) * 0.25, 'DynamoDB storage');
    // 730 runs, each: 256 prefix LISTs + 4 more for the 3,600 objects written since the last
    // run, 3,600 ref item reads, 256 checkpoint writes, one invocation
    close(cost.lines['orphan collector']!, 730 * (260 * 0.000005 + 3_600 * 0.000000125 + 256 * 0.000000625 + 0.0000002), 'collector');
    // 8,760 retention runs (every 5 minutes), each one invocation and 10 read units; every
    // call's batch released once: 5 WRU and 1 RRU
    close(cost.lines.retention!, 8_760 * (0.0000002 + 10 * 0.000000125) + calls * (5 * 0.000000625 + 0.000000125), 'retention');
    close(
      cost.total,
      Object.values(cost.lines).reduce((a, b) => a + b, 0),
      'total is the sum of the lines',
    );
  });

  it('adds what the functions a commit triggers cost per produce call', () => {
    const triggered: CallProfile = { ...PRODUCE, apiGateway: false, lambdaInvocations: 0.5, lambdaMs: 10, s3Puts: 0, writeRequestUnits: 0, readRequestUnits: 0.25 };
    // Per produce call: 0.5 invocations x $0.20/M, 0.5 x 1 GB x 0.01 s, 0.25 RRU; no API Gateway request.
    const perCall = 0.5 * 0.0000002 + 0.5 * 0.01 * 0.0000133334 + 0.25 * 0.000000125;
    close(callCost(triggered).total, perCall, 'triggered work per produce call');
    const cost = sluiceMonthly(steady1, { ...profile, triggeredPerProduceCall: triggered });
    close(cost.lines['stream triggers']!, 730 * 3600 * perCall, 'stream triggers');
    close(cost.total - sluiceMonthly(steady1, profile).total, 730 * 3600 * perCall, 'only that line changes');
  });

  it('costs nothing but storage while idle: the bursty workload pays its calls for 30.4 hours only', () => {
    const steady = sluiceMonthly(steady10, profile);
    const burst = sluiceMonthly(bursty, profile);
    close(burst.lines.produce! / steady.lines.produce!, 1 / 24, 'one hour in 24');
  });
});

describe('request units from counted requests', () => {
  const snapshot: RequestSnapshot = {
    services: {
      DynamoDB: {
        TransactWriteItems: { ...emptyCounts(), requests: 2, attempts: 2, items: 9, capacityUnits: 4, writeCapacityUnits: 4 },
        BatchGetItem: { ...emptyCounts(), requests: 4, attempts: 4, items: 4, capacityUnits: 4, readCapacityUnits: 4 },
        GetItem: { ...emptyCounts(), requests: 2, attempts: 2, items: 2, capacityUnits: 1, readCapacityUnits: 1 },
        PutItem: { ...emptyCounts(), requests: 1, attempts: 1, items: 1, capacityUnits: 2, writeCapacityUnits: 2 },
      },
      S3: {
        PutObject: { ...emptyCounts(), requests: 2, attempts: 3 },
        GetObject: { ...emptyCounts(), requests: 6, attempts: 6 },
        ListObjectsV2: { ...emptyCounts(), requests: 1, attempts: 1 },
      },
    },
  };

  it('price transactions at 2 units per item, everything else as reported', () => {
    assert.deepEqual(requestUnitsFromCounts(snapshot), { writeRequestUnits: 2 * 9 + 2, readRequestUnits: 4 + 1 });
  });

  it('turn counts over several calls into a per-call profile', () => {
    const profile = callProfileFromCounts(snapshot, 2, { records: 10, payloadBytes: 10_240, httpRequestBytes: 12_000, lambdaMs: 30, lambdaMemoryMiB: 1024 });
    assert.deepEqual(profile, {
      records: 10,
      payloadBytes: 10_240,
      httpRequestBytes: 12_000,
      lambdaMs: 30,
      lambdaMemoryMiB: 1024,
      s3Puts: 1, // requests, not attempts: the model prices requests and reports retries beside them
      s3Gets: 3,
      s3Lists: 0.5,
      writeRequestUnits: 10,
      readRequestUnits: 2.5,
    });
  });
});
