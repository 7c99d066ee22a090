import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRICES } from '../../../lib/cost/prices';
import { perMonth, readerHourCosts } from '../../../lib/cost/streaming-reader-cost';

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);

describe('readerHourCosts', () => {
  // The deployed defaults: 1,024 MiB functions, 60 s live reads, 20 s long-polls.
  const costs = readerHourCosts({ memoryMiB: 1024, connectionSeconds: 60, longPollSeconds: 20 });

  it('bills a streaming reader a Lambda held the whole hour, plus one invocation per connection', () => {
    close(costs.streaming.lines.lambdaDuration!, 3600 * 0.0000133334, 'GB-seconds');
    close(costs.streaming.lines.lambdaRequests!, 60 * 0.2e-6, 'invocations');
    assert.equal(costs.streaming.lines.apiGatewayRequests, undefined, 'no API Gateway in front of a function URL');
    close(costs.streaming.total, 0.04800024 + 0.000012, 'total');
  });

  it('bills a long-polling reader the same held Lambda, plus an API Gateway request and an invocation per wait', () => {
    close(costs.longPoll.lines.lambdaDuration!, costs.streaming.lines.lambdaDuration!, 'same GB-seconds');
    close(costs.longPoll.lines.lambdaRequests!, 180 * 0.2e-6, 'invocations');
    close(costs.longPoll.lines.apiGatewayRequests!, 180 * 1e-6, 'API Gateway');
    assert.ok(costs.longPoll.total > costs.streaming.total);
    // Within half a percent of each other: holding the function is the cost.
    assert.ok(costs.longPoll.total / costs.streaming.total < 1.005);
  });

  it('bills a WebSocket watcher connection-minutes and messages, no Lambda', () => {
    const withMessages = readerHourCosts({ memoryMiB: 1024, connectionSeconds: 60, longPollSeconds: 20, webSocketMessagesPerHour: 14 });
    close(withMessages.webSocket.lines.connectionMinutes!, 60 * 0.25e-6, 'connection-minutes');
    close(withMessages.webSocket.lines.messages!, 14 * 1e-6, 'messages');
    assert.ok(costs.streaming.total / costs.webSocket.total > 1000);
  });

  it('scales the held Lambda with memory, and a month is 730 hours', () => {
    const half = readerHourCosts({ memoryMiB: 512, connectionSeconds: 60, longPollSeconds: 20 });
    close(half.streaming.lines.lambdaDuration!, costs.streaming.lines.lambdaDuration! / 2, 'half the memory');
    close(perMonth(costs.streaming).total, costs.streaming.total * 730, 'month');
    // $35.05 a month per reader streaming at 1,024 MiB.
    assert.equal(perMonth(costs.streaming).total.toFixed(2), '35.05');
  });

  it('uses the price table it is given, and refuses non-positive inputs', () => {
    const free = readerHourCosts({ memoryMiB: 1024, connectionSeconds: 60, longPollSeconds: 20 }, { ...PRICES, lambdaArmGbSecond: { ...PRICES.lambdaArmGbSecond, usd: 0 } });
    close(free.streaming.total, 60 * 0.2e-6, 'only invocations');
    assert.throws(() => readerHourCosts({ memoryMiB: 1024, connectionSeconds: 0, longPollSeconds: 20 }), /connectionSeconds/);
  });
});
