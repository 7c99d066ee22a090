import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SECONDS_PER_MONTH } from '../../lib/cost/waiting-cost';
import { emptyCounts, type RequestSnapshot } from '../../lib/cost/request-accounting';
import type { WindowFigures } from './call-meter';
import { steadyIdleListsPerRun } from './workloads/idle-cost';
import { heartbeatsMonthly } from '../../lib/cost/waiting-cost';
import { PRICES, unitPrice } from '../../lib/cost/prices';
import { atLeast, atMost, BOUND_HEARTBEAT_SECONDS, boundMemberLines, boundMemberMonthly, CHECK_SECONDS, DISCONNECT_MS_ASSUMED, CHECKS_PER_CONNECTION, contentionFigures, emptyPollsPerSecond, KEEPALIVES_PER_CONNECTION, scheduledRuns, tailCellMonthly, tailCellRates } from './goals';
import { figures } from './measure';
import type { BoundMemberCell, TailCostCell } from './workloads/tail-cost';
import type { CallProfile } from '../../lib/cost/cost-model';

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= Math.abs(expected) * 1e-9 + 1e-12, `${what}: ${actual} is not ${expected}`);

const quiet = (overrides: Partial<WindowFigures> = {}): WindowFigures => ({
  seconds: 10,
  httpRequests: 0,
  lambdaGbSeconds: 0,
  concurrentCalls: 0,
  byFunction: {},
  webSocket: { connectionSeconds: 0, messagesSent: 0, messagesReceived: 0, messages: 0, invocations: 0, lambdaGbSeconds: 0 },
  ...overrides,
});

const headReads = (n: number): RequestSnapshot => ({ services: { DynamoDB: { GetItem: { ...emptyCounts(), requests: n, attempts: n, items: n } } } });
const eventualHeadReads = (n: number): RequestSnapshot => ({ services: { DynamoDB: { BatchGetItem: { ...emptyCounts(), requests: 1, attempts: 1, items: n, eventualReads: n } } } });

describe('goal verdicts', () => {
  it('pass at the bound, miss past it, and say nothing without a figure', () => {
    assert.equal(atLeast(0.8, 0.8), 'pass');
    assert.equal(atLeast(0.79, 0.8), 'miss');
    assert.equal(atMost(1.05, 1.05), 'pass');
    assert.equal(atMost(2.1, 2), 'miss');
    assert.equal(atMost(undefined, 2), '–');
    assert.equal(atLeast(Number.NaN, 1), '–');
  });
});

describe('tail cost per consumer', () => {
  it('prices long-polls as Lambda time held, head reads and one empty answer per partition per wait', () => {
    // Two consumers of 4 partitions: 8 long-polls in flight for the 10 s window, 4 head reads/s each.
    const cell: TailCostCell = {
      mode: 'long-poll',
      consumers: 2,
      partitions: 4,
      window: quiet({ httpRequests: 3, lambdaGbSeconds: 80, concurrentCalls: 8 }),
      requests: headReads(320),
      waitMs: 10_000,
      completedPolls: { count: 0, meanMs: 0 },
      connected: 0,
      errors: [],
    };
    const rates = tailCellRates(cell);
    assert.equal(rates.httpRequests, 0, 'long-polls are priced by how often they come back, not by the window');
    close(rates.lambdaGbSeconds, 4, 'four 1 GB functions per consumer');
    close(rates.readRequestUnits, 16, 'head reads per consumer');
    close(emptyPollsPerSecond(cell), 0.4, 'four partitions, one answer per 10 s each');
    const cost = tailCellMonthly(cell, () => 128);
    close(cost.lines['Lambda duration']!, 4 * SECONDS_PER_MONTH * 0.0000133334, 'duration');
    close(cost.lines['empty polls: API Gateway requests']!, 0.4 * SECONDS_PER_MONTH * 1e-6, 'empty polls');
    assert.ok(cost.total > 140);
  });

  it('prices a watching consumer by connection-minutes, per 2-hour connection a $connect, a re-arm, one check and the other keepalives as pings, and a daily mark renewal per partition', () => {
    const cell: TailCostCell = {
      mode: 'watch',
      consumers: 1,
      partitions: 16,
      window: quiet({ webSocket: { connectionSeconds: 10, messagesSent: 0, messagesReceived: 0, messages: 0, invocations: 0, lambdaGbSeconds: 0 } }),
      requests: { services: {} },
      rearm: {
        window: quiet({ seconds: 0.05, webSocket: { connectionSeconds: 0.05, messagesSent: 1, messagesReceived: 1, messages: 2, invocations: 1, lambdaGbSeconds: 0.005 } }),
        requests: { services: { DynamoDB: { ...headReads(16).services.DynamoDB, UpdateItem: { ...emptyCounts(), requests: 1, attempts: 1, items: 1 } } } },
        answered: 1,
      },
      check: {
        window: quiet({ seconds: 0.05, webSocket: { connectionSeconds: 0.05, messagesSent: 1, messagesReceived: 1, messages: 2, invocations: 1, lambdaGbSeconds: 0.005 } }),
        requests: eventualHeadReads(16),
        answered: 1,
      },
      waitMs: 10_000,
      completedPolls: { count: 0, meanMs: 0 },
      connected: 1,
      errors: [],
    };
    const cost = tailCellMonthly(cell, () => 128);
    close(cost.lines['WebSocket connection-minutes']!, (SECONDS_PER_MONTH / 60) * 0.25e-6, 'one connection all month');
    assert.equal(KEEPALIVES_PER_CONNECTION, 13, 'every 9 minutes for 2 hours');
    assert.equal(CHECKS_PER_CONNECTION, 1, 'the 7th keepalive, at 63 minutes');
    assert.equal(CHECK_SECONDS, 63 * 60);
    const connections = SECONDS_PER_MONTH / 7200;
    const renewals = (SECONDS_PER_MONTH / 86_400) * 16;
    close(cost.lines['WebSocket messages']!, connections * (2 + 2 + 12 * 2) * 1e-6, 'a re-arm, a check and 12 pings, two messages each');
    close(cost.lines['DynamoDB reads']!, (connections * (16 + 16 * 0.5) + renewals) * 0.125e-6, '16 strong reads a re-arm, 16 eventual ones a check, and a read per daily mark renewal');
    close(cost.lines['DynamoDB writes']!, (connections * 1 + renewals) * 0.625e-6, 'one watcher write a connection, none a check, and a daily mark renewal per partition');
    assert.equal(cost.lines['Lambda duration']! > 0, true);
    assert.ok(cost.total < 0.1, `a watching consumer costs ${cost.total}`);
  });

  it('prices the checks of a cell measured without one (a client from before check) as re-arms', () => {
    const base: TailCostCell = {
      mode: 'watch',
      consumers: 1,
      partitions: 16,
      window: quiet(),
      rearm: { window: quiet({ seconds: 0.05 }), requests: headReads(16), answered: 1 },
      waitMs: 10_000,
      completedPolls: { count: 0, meanMs: 0 },
      connected: 1,
      errors: [],
    };
    const connections = SECONDS_PER_MONTH / 7200;
    const renewals = (SECONDS_PER_MONTH / 86_400) * 16;
    close(tailCellMonthly(base, () => 128).lines['DynamoDB reads']!, (connections * (16 + 16) + renewals) * 0.125e-6, 'a re-arm at the connection and one in place of its check');
  });
});

describe('an idle group member bound to its watch connection', () => {
  const heartbeat: CallProfile = { records: 0, payloadBytes: 0, httpRequestBytes: 0, s3Puts: 0, s3Gets: 0, s3Lists: 0, writeRequestUnits: 1, readRequestUnits: 2, lambdaMs: 20, lambdaMemoryMiB: 256 };
  const boundCell = (overrides: Partial<BoundMemberCell> = {}): BoundMemberCell => ({
    window: quiet(),
    rebind: { window: quiet({ seconds: 0.05, webSocket: { connectionSeconds: 0, messagesSent: 1, messagesReceived: 1, messages: 2, invocations: 1, lambdaGbSeconds: 0.01 } }), requests: headReads(1), answered: 1 },
    bound: true,
    errors: [],
    ...overrides,
  });
  const connectionsPerMonth = SECONDS_PER_MONTH / 7200;

  it('prices per 2-hour connection a rebind (as measured) and a $disconnect (assumed), and a safety heartbeat every 30 minutes; nothing for an idle window that sent nothing', () => {
    assert.equal(BOUND_HEARTBEAT_SECONDS, 1800);
    const cost = boundMemberMonthly(boundCell(), heartbeat, () => 128);
    close(cost.lines['WebSocket messages']!, connectionsPerMonth * 2 * unitPrice(PRICES.apiGatewayWebSocketMessages), 'the bind and its answer');
    close(cost.lines['Lambda requests']!, connectionsPerMonth * 2 * unitPrice(PRICES.lambdaRequests), 'the watch and watch-disconnect invocations');
    close(cost.lines['Lambda duration']!, connectionsPerMonth * (0.01 + (128 / 1024) * (DISCONNECT_MS_ASSUMED / 1000)) * unitPrice(PRICES.lambdaArmGbSecond), 'their duration');
    close(cost.lines['DynamoDB reads']!, connectionsPerMonth * 2 * unitPrice(PRICES.dynamoReadRequestUnits), "the bind's read and the $disconnect Query");
    close(cost.lines['DynamoDB writes']!, connectionsPerMonth * 2 * unitPrice(PRICES.dynamoWriteRequestUnits), "the $disconnect's release and delete");
    assert.equal(cost.lines['API Gateway requests'], 0, 'no HTTP heartbeat in the window');
    const safety = heartbeatsMonthly(heartbeat, BOUND_HEARTBEAT_SECONDS * 1000);
    close(Object.entries(cost.lines).filter(([name]) => name.startsWith('safety heartbeats: ')).reduce((n, [, usd]) => n + usd, 0), safety.total, 'the safety heartbeats');
    assert.ok(cost.total < 0.01, `${cost.total}`);
  });

  it('prices a member that never bound by the heartbeats it sent in the window, and nothing periodic', () => {
    const cost = boundMemberMonthly(boundCell({ bound: false, window: quiet({ httpRequests: 1, lambdaGbSeconds: 0.005 }) }), heartbeat, () => 128);
    close(cost.lines['API Gateway requests']!, (1 / 10) * SECONDS_PER_MONTH * unitPrice(PRICES.apiGatewayHttpRequests), 'a heartbeat every 10 s');
    assert.ok(!Object.keys(cost.lines).some((name) => name.startsWith('safety')));
    assert.equal(cost.lines['DynamoDB writes'], 0);
  });

  it("reports an idle 1-partition member's month as its watch row plus what membership adds, against the goal", () => {
    const row: TailCostCell = {
      mode: 'watch',
      consumers: 1,
      partitions: 1,
      window: quiet({ webSocket: { connectionSeconds: 10, messagesSent: 0, messagesReceived: 0, messages: 0, invocations: 0, lambdaGbSeconds: 0 } }),
      waitMs: 10_000,
      completedPolls: { count: 0, meanMs: 0 },
      connected: 1,
      errors: [],
    };
    const [line] = boundMemberLines({ boundMember: boundCell(), cells: [row] }, () => 128);
    assert.match(line!, /an idle 1-partition member in total \$0\.0\d+ a month against the ≤ \$0\.100 goal: pass/);
    assert.match(boundMemberLines({ boundMember: boundCell({ bound: false }), cells: [row] }, () => 128)[0]!, /never bound/);
  });
});

describe('contention figures', () => {
  it('count transactions sent, attempts, cancellations and billed WRU per call', () => {
    const requests: RequestSnapshot = {
      services: { DynamoDB: { TransactWriteItems: { ...emptyCounts(), requests: 30, attempts: 32, failedAttempts: 12, items: 120 } } },
    };
    const cell = { producers: 4, ...figures({ ops: 10, records: 10, bytes: 10_240, elapsedMs: 1000, latenciesMs: [1], errors: 0, errorCodes: {} }, { requests }) };
    assert.deepEqual(contentionFigures(cell), { transactionsPerCall: 3, attemptsPerCall: 3.2, cancelledPerCall: 1.2, billedWruPerCall: 24 });
  });
});

describe('scheduled runs', () => {
  it('turn one counted run into the cost model\'s profile, reads billed at their minimum', () => {
    const [run] = scheduledRuns([{ name: 'enforce-retention', rateMinutes: 5, memoryMiB: 256, ms: 40, requests: headReads(3) }]);
    assert.equal(run!.rateMinutes, 5);
    assert.equal(run!.run.readRequestUnits, 3);
    assert.equal(run!.run.lambdaMs, 40);
    assert.equal(run!.run.apiGateway, false);
  });

  it("price the orphan collector's LISTs at its steady idle rate when the cell gives one", () => {
    const [run] = scheduledRuns([{ name: 'collect-orphan-objects', rateMinutes: 60, memoryMiB: 512, ms: 400, requests: headReads(3), steadyS3Lists: 16 }]);
    assert.equal(run!.run.s3Lists, 16);
  });

  it('an idle collector lists each of the 256 prefixes once per 16 hourly runs: 16 a run', () => {
    assert.equal(steadyIdleListsPerRun(Date.UTC(2026, 11, 7, 1)), 16);
  });
});
