import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallProfile } from '../../../lib/cost/cost-model';
import { PRICES, unitPrice } from '../../../lib/cost/prices';
import { emptyCounts, type RequestSnapshot } from '../../../lib/cost/request-accounting';
import {
  addRates,
  billedRequestUnits,
  emptyPollsMonthly,
  heartbeatsMonthly,
  kinesisConsumerPerGib,
  kinesisIdleConsumerMonthly,
  NO_RATES,
  periodic,
  SECONDS_PER_MONTH,
  waitingMonthly,
  waitingRates,
} from '../../../lib/cost/waiting-cost';

/** Expected figures are worked out by hand from lib/cost/prices.ts. */
const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= Math.abs(expected) * 1e-9 + 1e-12, `${what}: ${actual} is not ${expected}`);

/** Ten seconds of one consumer long-polling one empty partition, as the local platform counts them. */
const longPollWindow: RequestSnapshot = {
  services: {
    // 40 head reads of an item never written: DynamoDB Local reports 0 units, AWS bills 1 each.
    DynamoDB: { GetItem: { ...emptyCounts(), requests: 40, attempts: 40, items: 40 } },
  },
};

describe('billed request units', () => {
  it('bill every read at least a unit per item or query, and transactions 2 units per item', () => {
    const snapshot: RequestSnapshot = {
      services: {
        DynamoDB: {
          GetItem: { ...emptyCounts(), requests: 3, items: 3, readCapacityUnits: 1 },
          BatchGetItem: { ...emptyCounts(), requests: 1, items: 16, readCapacityUnits: 20 },
          Query: { ...emptyCounts(), requests: 2, readCapacityUnits: 0.5 },
          UpdateItem: { ...emptyCounts(), requests: 2, items: 2, writeCapacityUnits: 2 },
          TransactWriteItems: { ...emptyCounts(), requests: 2, items: 8, writeCapacityUnits: 2 },
        },
        S3: { GetObject: { ...emptyCounts(), requests: 5 } },
      },
    };
    assert.deepEqual(billedRequestUnits(snapshot), { readRequestUnits: 3 + 20 + 2, writeRequestUnits: 2 + 16 });
  });

  it('bill an eventually consistent read at least half a unit per item or query', () => {
    const snapshot: RequestSnapshot = {
      services: {
        DynamoDB: {
          BatchGetItem: { ...emptyCounts(), requests: 3, items: 256, eventualReads: 200, readCapacityUnits: 0 },
          Query: { ...emptyCounts(), requests: 2, eventualReads: 2, readCapacityUnits: 0 },
        },
      },
    };
    assert.deepEqual(billedRequestUnits(snapshot), { readRequestUnits: 56 + 100 + 1, writeRequestUnits: 0 });
  });
});

describe('waiting consumers', () => {
  it('turn a counted window into rates per consumer', () => {
    const rates = waitingRates({ seconds: 10, httpRequests: 1, lambdaGbSeconds: 10, requests: longPollWindow }, 1);
    close(rates.httpRequests, 0.1, 'requests/s');
    close(rates.lambdaInvocations, 0.1, 'invocations/s');
    close(rates.lambdaGbSeconds, 1, 'GB-s/s: one 1,024 MB function held all the time');
    close(rates.readRequestUnits, 4, 'RRU/s');
    assert.equal(rates.webSocketConnections, 0);
    assert.deepEqual(waitingRates({ seconds: 0, httpRequests: 5, lambdaGbSeconds: 1 }), NO_RATES);
  });

  it('price a long-poll held around the clock at about $35 a month of Lambda duration', () => {
    const rates = waitingRates({ seconds: 10, httpRequests: 1, lambdaGbSeconds: 10, requests: longPollWindow });
    const cost = waitingMonthly(rates);
    close(cost.lines['Lambda duration']!, SECONDS_PER_MONTH * unitPrice(PRICES.lambdaArmGbSecond), 'duration');
    assert.equal(cost.lines['Lambda duration']!.toFixed(2), '35.04');
    close(cost.lines['DynamoDB reads']!, 4 * SECONDS_PER_MONTH * 0.125e-6, 'reads');
    close(cost.lines['API Gateway requests']!, 0.1 * SECONDS_PER_MONTH * 1e-6, 'API requests');
    close(cost.total, Object.values(cost.lines).reduce((a, b) => a + b, 0), 'total');
  });

  it('price a WebSocket connection by the minute and its messages, with no Lambda waiting', () => {
    const rates = waitingRates({
      seconds: 60,
      httpRequests: 0,
      lambdaGbSeconds: 0,
      webSocket: { connectionSeconds: 120, messages: 2, invocations: 1, lambdaGbSeconds: 0.005 },
    }, 2);
    close(rates.webSocketConnections, 1, 'one connection each');
    const cost = waitingMonthly(rates);
    close(cost.lines['WebSocket connection-minutes']!, (SECONDS_PER_MONTH / 60) * 0.25e-6, 'connection-minutes: 43,800 a month');
    close(cost.lines['WebSocket messages']!, (1 / 60) * SECONDS_PER_MONTH * 1e-6, 'messages');
    assert.ok(cost.total < 0.1, `an idle watching consumer costs ${cost.total}`);
  });

  it('add periodic work (pings, re-arming) as rates', () => {
    const ping = { ...NO_RATES, webSocketMessages: 2, lambdaInvocations: 1 };
    const rates = addRates({ ...NO_RATES, webSocketConnections: 1 }, periodic(ping, 540));
    close(rates.webSocketMessages, 2 / 540, 'two messages every 9 minutes');
    close(rates.lambdaInvocations, 1 / 540, 'one invocation every 9 minutes');
    assert.deepEqual(periodic(ping, 0), NO_RATES);
  });
});

const call = (overrides: Partial<CallProfile>): CallProfile => ({
  records: 0,
  payloadBytes: 0,
  httpRequestBytes: 0,
  s3Puts: 0,
  s3Gets: 0,
  s3Lists: 0,
  writeRequestUnits: 0,
  readRequestUnits: 0,
  lambdaMs: 0,
  lambdaMemoryMiB: 1024,
  ...overrides,
});

describe('empty polls and heartbeats', () => {
  it('price empty polls per second, all month', () => {
    const poll = call({ readRequestUnits: 3, lambdaMs: 20 });
    const one = 1e-6 + 0.2e-6 + 0.02 * 0.0000133334 + 3 * 0.125e-6;
    close(emptyPollsMonthly(poll, 2).total, 2 * SECONDS_PER_MONTH * one, 'two empty polls a second');
  });

  it('price a heartbeat every interval by what one heartbeat counted', () => {
    const heartbeat = call({ readRequestUnits: 1, writeRequestUnits: 1, lambdaMs: 10, lambdaMemoryMiB: 256 });
    const one = 1e-6 + 0.2e-6 + 0.25 * 0.01 * 0.0000133334 + 0.125e-6 + 0.625e-6;
    close(heartbeatsMonthly(heartbeat, 3000).total, (SECONDS_PER_MONTH / 3) * one, 'every 3 s');
    assert.equal(heartbeatsMonthly(heartbeat, 0).total, 0);
  });
});

describe('Kinesis consumers', () => {
  it('charge a shared consumer nothing of its own, an enhanced fan-out consumer per shard-hour', () => {
    assert.equal(kinesisIdleConsumerMonthly('shared', 16).total, 0);
    close(kinesisIdleConsumerMonthly('enhanced-fan-out', 1).total, 730 * 0.015, 'one shard');
    close(kinesisIdleConsumerMonthly('enhanced-fan-out', 16).total, 16 * 730 * 0.015, 'sixteen shards');
    close(kinesisConsumerPerGib('on-demand'), 0.04, 'on-demand retrieval');
    close(kinesisConsumerPerGib('enhanced-fan-out'), 0.013, 'EFO retrieval');
  });
});
