import type { CostBreakdown } from './cost-model';
import { HOURS_PER_MONTH, PRICES, unitPrice, type PriceTable } from './prices';

/**
 * What one reader waiting at the tail costs per hour, by the way it waits
 * (docs/design.md, "Live reads (SSE)"):
 *
 * - a live read (server-sent events) through the response-streaming function URL holds a
 *   Lambda for the whole connection, and reconnects each time the server ends the stream
 *   (SLUICE_LIVE_MAX_DURATION_MS): one invocation per connection, no API Gateway;
 * - a long-poll through the HTTP API holds a Lambda for each wait (`waitMs`), then asks
 *   again: one API Gateway request and one invocation per wait;
 * - a WebSocket watch (issue #18) holds a connection and no Lambda: connection-minutes and
 *   the messages it exchanges.
 *
 * Both Lambda ways are billed for every second the reader is connected, at the function's
 * memory, so their GB-seconds are the same and dominate. Storage reads are left out: a live
 * read's loop re-reads the partition head as a long-poll does (lib/log/live-records.ts),
 * so they are the same for both; a watch makes none while it waits.
 */
export interface ReaderWait {
  /** Memory of the serving function (stream-reads and fetch-records: 1,024 MiB). */
  readonly memoryMiB: number;
  /** How long a live-read connection lasts before the server ends it and the reader reconnects. */
  readonly connectionSeconds: number;
  /** How long a long-poll waits before it answers empty and the reader asks again (waitMs / 1000). */
  readonly longPollSeconds: number;
  /** Messages a WebSocket watcher exchanges per hour at the tail (keepalives, re-arms); each under 32 KB. */
  readonly webSocketMessagesPerHour?: number;
}

export interface ReaderHourCosts {
  readonly streaming: CostBreakdown;
  readonly longPoll: CostBreakdown;
  readonly webSocket: CostBreakdown;
}

const SECONDS_PER_HOUR = 3600;

function breakdown(lines: Record<string, number>): CostBreakdown {
  return { total: Object.values(lines).reduce((sum, usd) => sum + usd, 0), lines };
}

/** Dollars per connected reader per hour, each way of waiting. */
export function readerHourCosts(wait: ReaderWait, prices: PriceTable = PRICES): ReaderHourCosts {
  for (const [name, value] of [
    ['memoryMiB', wait.memoryMiB],
    ['connectionSeconds', wait.connectionSeconds],
    ['longPollSeconds', wait.longPollSeconds],
  ] as const) {
    if (!(value > 0)) throw new RangeError(`${name} must be positive, got ${value}`);
  }
  const heldGbSeconds = (wait.memoryMiB / 1024) * SECONDS_PER_HOUR;
  const gbSecond = unitPrice(prices.lambdaArmGbSecond);
  const invocation = unitPrice(prices.lambdaRequests);
  const connections = SECONDS_PER_HOUR / wait.connectionSeconds;
  const polls = SECONDS_PER_HOUR / wait.longPollSeconds;
  return {
    streaming: breakdown({ lambdaDuration: heldGbSeconds * gbSecond, lambdaRequests: connections * invocation }),
    longPoll: breakdown({
      lambdaDuration: heldGbSeconds * gbSecond,
      lambdaRequests: polls * invocation,
      apiGatewayRequests: polls * unitPrice(prices.apiGatewayHttpRequests),
    }),
    webSocket: breakdown({
      connectionMinutes: 60 * unitPrice(prices.apiGatewayWebSocketConnectionMinutes),
      messages: (wait.webSocketMessagesPerHour ?? 0) * unitPrice(prices.apiGatewayWebSocketMessages),
    }),
  };
}

/** An hourly cost as a month's (730 hours, as AWS's pricing examples count). */
export function perMonth(hourly: CostBreakdown): CostBreakdown {
  const lines: Record<string, number> = {};
  for (const [name, usd] of Object.entries(hourly.lines)) lines[name] = usd * HOURS_PER_MONTH;
  return { total: hourly.total * HOURS_PER_MONTH, lines };
}
