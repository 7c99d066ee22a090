import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRICES, unitPrice } from '../../lib/cost/prices';
import { emptyCounts, type RequestSnapshot } from '../../lib/cost/request-accounting';
import { addMeasured, addSnapshots } from './measure';
import { meteredRequestsOf, perGibOf } from './per-gib';

const close = (actual: number | undefined, expected: number, what: string) => {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= Math.abs(expected) * 1e-9, `${what}: ${actual} is not ${expected}`);
};

/** Two single-record produce calls, as the local platform counts them. */
const twoCalls: RequestSnapshot = {
  services: {
    S3: { PutObject: { ...emptyCounts(), requests: 2, attempts: 2 } },
    DynamoDB: {
      GetItem: { ...emptyCounts(), requests: 4, attempts: 4, items: 4, capacityUnits: 4, readCapacityUnits: 4 },
      BatchGetItem: { ...emptyCounts(), requests: 2, attempts: 2, items: 2, capacityUnits: 2, readCapacityUnits: 2 },
      // DynamoDB Local reports one item's capacity for the whole transaction; the model prices 2 WRU per item.
      TransactWriteItems: { ...emptyCounts(), requests: 2, attempts: 3, items: 8, capacityUnits: 2, writeCapacityUnits: 2 },
    },
  },
};

describe('bench per-GiB figures', () => {
  it('meter each call body in 512 KB increments, at least one request a call', () => {
    assert.equal(meteredRequestsOf([]), 0);
    assert.equal(meteredRequestsOf([0, 1100, 512 * 1024]), 3);
    assert.equal(meteredRequestsOf([512 * 1024 + 1, 1024 * 1024, 1024 * 1024 + 1]), 2 + 2 + 3);
  });

  it('divide calls and requests by the GiB of payload, and price the calls with the cost model', () => {
    const figures = perGibOf({ calls: 2, meteredApiRequests: 2, records: 2, payloadBytes: 2048, httpRequestBytes: 2200, lambdaMs: 20, lambdaMemoryMiB: 1024, requests: twoCalls });
    const callsPerGib = 1024 ** 3 / 1024; // one record of 1 KiB per call
    assert.equal(figures.httpCalls, callsPerGib);
    assert.equal(figures.lambdaInvocations, callsPerGib);
    assert.equal(figures.apiGatewayRequests, callsPerGib);
    assert.equal(figures.s3Requests, callsPerGib);
    assert.equal(figures.dynamoRequests, 4 * callsPerGib, 'requests, not attempts');
    const perCall = {
      'API Gateway requests': unitPrice(PRICES.apiGatewayHttpRequests),
      'Lambda requests': unitPrice(PRICES.lambdaRequests),
      'Lambda duration': 1 * 0.02 * unitPrice(PRICES.lambdaArmGbSecond),
      'S3 PUT/LIST': unitPrice(PRICES.s3PutRequests),
      'DynamoDB writes': 8 * unitPrice(PRICES.dynamoWriteRequestUnits), // 4 items x 2 WRU
      'DynamoDB reads': 3 * unitPrice(PRICES.dynamoReadRequestUnits),
    };
    for (const [line, usd] of Object.entries(perCall)) close(figures.usd?.lines[line], usd * callsPerGib, line);
    close(figures.usd?.total, Object.values(perCall).reduce((a, b) => a + b, 0) * callsPerGib, 'total');
  });

  it('count API Gateway requests as metered, apart from calls', () => {
    const figures = perGibOf({ calls: 4, meteredApiRequests: 7, records: 4000, payloadBytes: 4000 * 1024, httpRequestBytes: 4 * 900_000, lambdaMs: 30, lambdaMemoryMiB: 1024 });
    close(figures.httpCalls, 4 / ((4000 * 1024) / 1024 ** 3), 'calls');
    close(figures.apiGatewayRequests, 7 / ((4000 * 1024) / 1024 ** 3), 'metered');
    assert.equal(figures.s3Requests, undefined, 'no counts, no per-GiB requests');
    assert.equal(figures.usd, undefined, 'no counts, no dollars');
  });

  it('answer zeros for a run that moved nothing', () => {
    assert.deepEqual(perGibOf({ calls: 0, meteredApiRequests: 0, records: 0, payloadBytes: 0, httpRequestBytes: 0, lambdaMs: Number.NaN, lambdaMemoryMiB: 1024 }), {
      httpCalls: 0,
      apiGatewayRequests: 0,
      lambdaInvocations: 0,
    });
  });
});

describe('bench measurements added over slices', () => {
  it('add every counter and error name, operation by operation', () => {
    const other: RequestSnapshot = {
      services: {
        S3: { PutObject: { ...emptyCounts(), requests: 1, attempts: 2, failedAttempts: 1, errorNames: { 'attempt:SlowDown': 1 }, bytesSent: 10 } },
        DynamoDB: { Query: { ...emptyCounts(), requests: 1, attempts: 1 } },
      },
    };
    const sum = addSnapshots(twoCalls, other);
    assert.deepEqual(sum.services.S3!.PutObject, { ...emptyCounts(), requests: 3, attempts: 4, failedAttempts: 1, errorNames: { 'attempt:SlowDown': 1 }, bytesSent: 10 });
    assert.deepEqual(sum.services.DynamoDB!.Query, { ...emptyCounts(), requests: 1, attempts: 1 });
    assert.deepEqual(sum.services.DynamoDB!.TransactWriteItems, twoCalls.services.DynamoDB!.TransactWriteItems);
    assert.notEqual(sum.services.DynamoDB!.TransactWriteItems, twoCalls.services.DynamoDB!.TransactWriteItems, 'a copy, not the input');
  });

  it('add background invocations and leave out what neither side measured', () => {
    assert.deepEqual(addMeasured({}, {}), {});
    const sum = addMeasured(
      { requests: twoCalls, background: { requests: { services: {} }, functions: { dispatch: { invocations: 1, ms: 5 } } } },
      { background: { requests: { services: {} }, functions: { dispatch: { invocations: 2, ms: 7 }, other: { invocations: 1, ms: 1 } } } },
    );
    assert.deepEqual(sum.requests, twoCalls);
    assert.deepEqual(sum.background?.functions, { dispatch: { invocations: 3, ms: 12 }, other: { invocations: 1, ms: 1 } });
  });
});
