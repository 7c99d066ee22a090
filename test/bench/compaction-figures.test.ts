import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GIB, MIB, PRICES, unitPrice } from '../../lib/cost/prices';
import { emptyCounts, type RequestSnapshot } from '../../lib/cost/request-accounting';
import { compactionCost, dynamoReads, dynamoWrites, readFigures, reduction } from './compaction-figures';

const close = (actual: number, expected: number, what: string) => {
  assert.ok(Math.abs(actual - expected) <= Math.abs(expected) * 1e-9, `${what}: ${actual} is not ${expected}`);
};

/** Two fetches of 1 MiB each, read from 1-record batches: 2,048 GETs, a head read and 64 index Queries each. */
const smallObjectRead: RequestSnapshot = {
  services: {
    S3: { GetObject: { ...emptyCounts(), requests: 2048, attempts: 2048, bytesReceived: 2048 * 1090 } },
    DynamoDB: {
      GetItem: { ...emptyCounts(), requests: 2, attempts: 2, items: 2, capacityUnits: 2, readCapacityUnits: 2 },
      Query: { ...emptyCounts(), requests: 128, attempts: 128, capacityUnits: 256, readCapacityUnits: 256 },
    },
  },
};

describe('bench small-object compaction figures', () => {
  it('divide a read’s GETs, S3 bytes and DynamoDB reads by the MiB of records it answered', () => {
    const figures = readFigures({ fetches: 2, records: 2048, recordBytes: 2 * MIB, fetchMs: 100, memoryMiB: 1024, requests: smallObjectRead });
    assert.equal(figures.mib, 2);
    assert.equal(figures.getsPerMib, 1024);
    assert.equal(figures.s3BytesPerMib, 1024 * 1090);
    close(figures.s3BytesPerByte, 1090 / 1024, 'S3 bytes per record byte');
    assert.equal(figures.dynamoReadsPerMib, 65);
    assert.equal(figures.readUnitsPerMib, 129);
    assert.equal(figures.requestsPerFetch, (2048 + 130) / 2);
    // Per GiB: 512 fetches of 1 MiB, each an API Gateway request, a Lambda of 100 ms at 1 GB, 1,024 GETs and 129 RRU.
    const fetchesPerGib = GIB / MIB;
    const expected =
      fetchesPerGib *
      (unitPrice(PRICES.apiGatewayHttpRequests) +
        unitPrice(PRICES.lambdaRequests) +
        0.1 * unitPrice(PRICES.lambdaArmGbSecond) +
        1024 * unitPrice(PRICES.s3GetRequests) +
        129 * unitPrice(PRICES.dynamoReadRequestUnits));
    close(figures.usdPerGib.total, expected, 'USD per GiB read');
  });

  it('answer NaN rather than dividing by nothing when a read answered no records', () => {
    const figures = readFigures({ fetches: 1, records: 0, recordBytes: 0, fetchMs: 5, memoryMiB: 1024, requests: { services: {} } });
    assert.ok(Number.isNaN(figures.getsPerMib));
    assert.ok(Number.isNaN(figures.s3BytesPerByte));
    assert.ok(Number.isNaN(figures.usdPerGib.total));
  });

  it('tell DynamoDB reads from writes, transactions among the writes', () => {
    const snapshot: RequestSnapshot = {
      services: {
        S3: { GetObject: { ...emptyCounts(), requests: 7 } },
        DynamoDB: {
          BatchGetItem: { ...emptyCounts(), requests: 3 },
          Query: { ...emptyCounts(), requests: 2 },
          Scan: { ...emptyCounts(), requests: 1 },
          TransactWriteItems: { ...emptyCounts(), requests: 10 },
          BatchWriteItem: { ...emptyCounts(), requests: 4 },
          UpdateItem: { ...emptyCounts(), requests: 2 },
        },
      },
    };
    assert.equal(dynamoReads(snapshot), 6);
    assert.equal(dynamoWrites(snapshot), 16);
  });

  it('price a compaction run as one scheduled invocation: no API Gateway, DELETEs free, transactions at 2 WRU per item', () => {
    const requests: RequestSnapshot = {
      services: {
        S3: {
          GetObject: { ...emptyCounts(), requests: 1000, attempts: 1000 },
          PutObject: { ...emptyCounts(), requests: 1, attempts: 1 },
          DeleteObjects: { ...emptyCounts(), requests: 2, attempts: 2 },
        },
        DynamoDB: {
          BatchGetItem: { ...emptyCounts(), requests: 10, items: 1000, capacityUnits: 1000, readCapacityUnits: 1000 },
          // DynamoDB Local reports one item's units for the whole transaction; AWS bills 2 per item.
          TransactWriteItems: { ...emptyCounts(), requests: 1000, items: 2000, capacityUnits: 1000, writeCapacityUnits: 1000 },
          BatchWriteItem: { ...emptyCounts(), requests: 40, items: 1000, capacityUnits: 1000, writeCapacityUnits: 1000 },
        },
      },
    };
    const triggered: RequestSnapshot = { services: { DynamoDB: { Query: { ...emptyCounts(), requests: 4, capacityUnits: 2, readCapacityUnits: 2 } } } };
    const cost = compactionCost({ requests, ms: 2000, memoryMiB: 2048, compactedBytes: GIB / 1024, triggered: { invocations: 4, gbMs: 400, requests: triggered } });
    const run =
      unitPrice(PRICES.lambdaRequests) +
      2 * 2 * unitPrice(PRICES.lambdaArmGbSecond) +
      unitPrice(PRICES.s3PutRequests) +
      1000 * unitPrice(PRICES.s3GetRequests) +
      (2 * 2000 + 1000) * unitPrice(PRICES.dynamoWriteRequestUnits) +
      1000 * unitPrice(PRICES.dynamoReadRequestUnits);
    close(cost.run.total, run, 'the run');
    assert.equal(cost.run.lines['API Gateway requests'], 0);
    const trig = 4 * unitPrice(PRICES.lambdaRequests) + 0.4 * unitPrice(PRICES.lambdaArmGbSecond) + 2 * unitPrice(PRICES.dynamoReadRequestUnits);
    close(cost.triggered.total, trig, 'the stream triggers');
    close(cost.total, run + trig, 'together');
    close(cost.perGib, (run + trig) * 1024, 'per GiB compacted');
    close(cost.runPerGib, run * 1024, 'the run per GiB compacted');
  });

  it('give before ÷ after, and NaN when after is 0', () => {
    assert.equal(reduction(1024, 1), 1024);
    assert.ok(Number.isNaN(reduction(5, 0)));
    assert.ok(Number.isNaN(reduction(Number.NaN, 1)));
  });
});
