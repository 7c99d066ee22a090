import { callCost, type CallProfile, type CostBreakdown } from './cost-model';
import { operationRows, type RequestSnapshot } from './request-accounting';
import { HOURS_PER_MONTH, PRICES, unitPrice, type PriceTable } from './prices';

/**
 * What waiting costs: consumers at the tail of partitions nobody writes, whether they
 * long-poll over HTTP (a Lambda held for the whole wait, its head re-reads, an empty answer
 * at the end) or hold a WebSocket connection with watches armed (connection-minutes and
 * messages, no Lambda running). The bench counts a window of waiting; this module turns
 * those counts into rates and dollars a month, next to what Kinesis charges a consumer.
 */

export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;

/** What waiting consumers did over a measured window, as counted. */
export interface WaitingWindow {
  seconds: number;
  /** HTTP API requests started in the window: one API Gateway request and one Lambda invocation each. */
  httpRequests: number;
  /** Lambda GB-seconds the HTTP requests held inside the window (time in flight x the serving function's memory). */
  lambdaGbSeconds: number;
  /** The storage requests the handlers made in the window. */
  requests?: RequestSnapshot;
  /**
   * The WebSocket side: connection-seconds open in the window, messages both ways (each
   * under 32 KB), and what the client's messages cost as Lambda invocations of the
   * WebSocket route (API Gateway invokes a function per message it receives).
   */
  webSocket?: { connectionSeconds: number; messages: number; invocations: number; lambdaGbSeconds: number };
}

/** Billed quantities per second: of one consumer, or of everything measured together. */
export interface WaitingRates {
  httpRequests: number;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  readRequestUnits: number;
  writeRequestUnits: number;
  s3Gets: number;
  /** PUT, COPY, POST and LIST requests: one price. */
  s3PutsAndLists: number;
  /** Connections open on average (connection-seconds per second). */
  webSocketConnections: number;
  webSocketMessages: number;
}

export const NO_RATES: WaitingRates = {
  httpRequests: 0,
  lambdaInvocations: 0,
  lambdaGbSeconds: 0,
  readRequestUnits: 0,
  writeRequestUnits: 0,
  s3Gets: 0,
  s3PutsAndLists: 0,
  webSocketConnections: 0,
  webSocketMessages: 0,
};

/**
 * DynamoDB request units as AWS bills them, with its minimums: DynamoDB Local reports 0
 * units for a read that finds nothing (the head of a partition never written) and one
 * item's units for a whole transaction, where AWS bills every read at least one unit per
 * item or per Query strongly consistent (half a unit eventually consistent) and a
 * transaction 2 units per item. Waiting consumers mostly read items that are not there,
 * so without the minimums their reads would look free.
 */
export function billedRequestUnits(snapshot: RequestSnapshot): { readRequestUnits: number; writeRequestUnits: number } {
  let readRequestUnits = 0;
  let writeRequestUnits = 0;
  for (const row of operationRows(snapshot)) {
    if (row.service !== 'DynamoDB') continue;
    switch (row.operation) {
      case 'TransactWriteItems':
        writeRequestUnits += 2 * row.items;
        break;
      case 'TransactGetItems':
        readRequestUnits += 2 * row.items;
        break;
      case 'GetItem':
      case 'BatchGetItem':
        readRequestUnits += Math.max(row.readCapacityUnits, row.items - (row.eventualReads ?? 0) / 2);
        break;
      case 'Query':
      case 'Scan':
        readRequestUnits += Math.max(row.readCapacityUnits, row.requests - (row.eventualReads ?? 0) / 2);
        break;
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
      case 'BatchWriteItem':
        writeRequestUnits += Math.max(row.writeCapacityUnits, row.items);
        break;
      default:
        readRequestUnits += row.readCapacityUnits;
        writeRequestUnits += row.writeCapacityUnits;
    }
  }
  return { readRequestUnits, writeRequestUnits };
}

/** The window's counts as rates per second, divided among `consumers`. */
export function waitingRates(window: WaitingWindow, consumers = 1): WaitingRates {
  if (!(window.seconds > 0) || !(consumers > 0)) return { ...NO_RATES };
  const per = (n: number) => n / window.seconds / consumers;
  const units = window.requests ? billedRequestUnits(window.requests) : { readRequestUnits: 0, writeRequestUnits: 0 };
  const s3 = (operation: string) => (window.requests ? operationRows(window.requests).filter((r) => r.service === 'S3' && r.operation === operation).reduce((n, r) => n + r.requests, 0) : 0);
  const ws = window.webSocket;
  return {
    httpRequests: per(window.httpRequests),
    lambdaInvocations: per(window.httpRequests + (ws?.invocations ?? 0)),
    lambdaGbSeconds: per(window.lambdaGbSeconds + (ws?.lambdaGbSeconds ?? 0)),
    readRequestUnits: per(units.readRequestUnits),
    writeRequestUnits: per(units.writeRequestUnits),
    s3Gets: per(s3('GetObject') + s3('HeadObject')),
    s3PutsAndLists: per(s3('PutObject') + s3('CopyObject') + s3('ListObjectsV2')),
    webSocketConnections: per(ws?.connectionSeconds ?? 0),
    webSocketMessages: per(ws?.messages ?? 0),
  };
}

export function addRates(a: WaitingRates, b: WaitingRates): WaitingRates {
  const sum = { ...a };
  for (const key of Object.keys(sum) as (keyof WaitingRates)[]) sum[key] += b[key];
  return sum;
}

export function scaleRates(rates: WaitingRates, factor: number): WaitingRates {
  const scaled = { ...rates };
  for (const key of Object.keys(scaled) as (keyof WaitingRates)[]) scaled[key] *= factor;
  return scaled;
}

/**
 * Something that happens once every `periodSeconds` (a keepalive ping every 9 minutes; a
 * reconnect and re-arm when API Gateway closes a connection after 2 hours), as a rate:
 * `occurrence` holds the quantities of one occurrence.
 */
export function periodic(occurrence: WaitingRates, periodSeconds: number): WaitingRates {
  return periodSeconds > 0 ? scaleRates(occurrence, 1 / periodSeconds) : { ...NO_RATES };
}

/** Dollars a month of waiting at these rates, by line item. */
export function waitingMonthly(rates: WaitingRates, prices: PriceTable = PRICES): CostBreakdown {
  const month = (perSecond: number, price: number) => perSecond * SECONDS_PER_MONTH * price;
  return breakdown({
    'API Gateway requests': month(rates.httpRequests, unitPrice(prices.apiGatewayHttpRequests)),
    'Lambda requests': month(rates.lambdaInvocations, unitPrice(prices.lambdaRequests)),
    'Lambda duration': month(rates.lambdaGbSeconds, unitPrice(prices.lambdaArmGbSecond)),
    'DynamoDB reads': month(rates.readRequestUnits, unitPrice(prices.dynamoReadRequestUnits)),
    'DynamoDB writes': month(rates.writeRequestUnits, unitPrice(prices.dynamoWriteRequestUnits)),
    'S3 GET': month(rates.s3Gets, unitPrice(prices.s3GetRequests)),
    'S3 PUT/LIST': month(rates.s3PutsAndLists, unitPrice(prices.s3PutRequests)),
    'WebSocket connection-minutes': month(rates.webSocketConnections / 60, unitPrice(prices.apiGatewayWebSocketConnectionMinutes)),
    'WebSocket messages': month(rates.webSocketMessages, unitPrice(prices.apiGatewayWebSocketMessages)),
  });
}

/** Empty polls (fetches that answer no record) at `pollsPerSecond`, each costing what `poll` counted. */
export function emptyPollsMonthly(poll: CallProfile, pollsPerSecond: number, prices: PriceTable = PRICES): CostBreakdown {
  return scale(callCost(poll, prices), pollsPerSecond * SECONDS_PER_MONTH);
}

/** A group member's heartbeats: one `heartbeat` call (its counted requests and time) every `intervalMs`, all month. */
export function heartbeatsMonthly(heartbeat: CallProfile, intervalMs: number, prices: PriceTable = PRICES): CostBreakdown {
  if (!(intervalMs > 0)) return breakdown({});
  return scale(callCost(heartbeat, prices), (SECONDS_PER_MONTH * 1000) / intervalMs);
}

/**
 * What Kinesis charges one idle consumer a month. A shared-throughput consumer pays
 * nothing of its own (the stream's hourly charge is the stream's, consumers or not); an
 * enhanced fan-out consumer pays a consumer-shard-hour on every shard, read or not.
 */
export function kinesisIdleConsumerMonthly(kind: 'shared' | 'enhanced-fan-out', shards: number, prices: PriceTable = PRICES): CostBreakdown {
  if (kind === 'shared') return breakdown({ 'consumer-shard-hours': 0 });
  return breakdown({ 'consumer-shard-hours': shards * HOURS_PER_MONTH * unitPrice(prices.kinesisEfoConsumerShardHour) });
}

/** USD per GB a Kinesis consumer pays to read: on-demand shared-throughput retrieval, or enhanced fan-out retrieval. */
export function kinesisConsumerPerGib(kind: 'on-demand' | 'enhanced-fan-out', prices: PriceTable = PRICES): number {
  return kind === 'on-demand' ? unitPrice(prices.kinesisOnDemandRetrievalGb) : unitPrice(prices.kinesisEfoRetrievalGb);
}

function breakdown(lines: Record<string, number>): CostBreakdown {
  return { total: Object.values(lines).reduce((sum, n) => sum + n, 0), lines };
}

function scale(cost: CostBreakdown, factor: number): CostBreakdown {
  const lines: Record<string, number> = {};
  for (const [name, usd] of Object.entries(cost.lines)) lines[name] = usd * factor;
  return { total: cost.total * factor, lines };
}
