import { BatchGetCommand, BatchWriteCommand, QueryCommand, ScanCommand, type QueryCommandInput, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { ServiceBusyError } from '../core/errors';
import { backoffDelay } from '../core/retry';

/**
 * DynamoDB's batch reads and deletes as every caller needs them: split into requests of
 * the service's size (100 keys per BatchGetItem, 25 per BatchWriteItem), and the keys it
 * leaves unprocessed (throttling) sent again with jittered exponential backoff. Keys
 * still unprocessed after MAX_ROUNDS are a retriable SERVICE_BUSY: not knowing whether an
 * item exists is never taken to mean it does not.
 */
const GET_MAX_KEYS = 100;
/** BatchGetItem requests one call keeps in flight: a topic's 256 heads in one wave, an orphan sweep's thousands of refs in bounded ones. */
const GET_PARALLEL = 8;
const WRITE_MAX_KEYS = 25;
const MAX_ROUNDS = 10;

export interface TableKey {
  table: string;
  key: Record<string, unknown>;
}

export interface TableItem {
  table: string;
  item: Record<string, unknown>;
}

/**
 * The items that exist among `keys` (any tables, strongly consistent unless `consistent`
 * is false), each with its table. The requests of 100 keys each are sent up to
 * GET_PARALLEL at once, not one after another, so reading 256 partitions' heads takes
 * about as long as reading one. An eventually consistent read is billed half a unit per
 * item instead of one, and may miss a write of the last second or so.
 */
export async function batchGetAll(ctx: SluiceContext, keys: readonly TableKey[], options: BatchGetOptions = {}): Promise<TableItem[]> {
  const chunks: TableKey[][] = [];
  for (let i = 0; i < keys.length; i += GET_MAX_KEYS) chunks.push(keys.slice(i, i + GET_MAX_KEYS));
  const items: TableItem[] = [];
  for (let i = 0; i < chunks.length; i += GET_PARALLEL) {
    for (const found of await Promise.all(chunks.slice(i, i + GET_PARALLEL).map((chunk) => batchGetChunk(ctx, chunk, options)))) items.push(...found);
  }
  return items;
}

export interface BatchGetOptions {
  projection?: string;
  /** false: eventually consistent (half the read units); strongly consistent by default. */
  consistent?: boolean;
}

/** One BatchGetItem of at most 100 keys, and the rounds its unprocessed keys need. */
async function batchGetChunk(ctx: SluiceContext, keys: readonly TableKey[], options: BatchGetOptions): Promise<TableItem[]> {
  const items: TableItem[] = [];
  let pending: Record<string, { Keys: Record<string, unknown>[] }> = {};
  for (const { table, key } of keys) (pending[table] ??= { Keys: [] }).Keys.push(key);
  for (let round = 0; Object.keys(pending).length > 0; round++) {
    if (round === MAX_ROUNDS) throw new ServiceBusyError(`BatchGetItem left ${countKeys(pending)} key(s) unprocessed after ${MAX_ROUNDS} rounds`);
    if (round > 0) await ctx.sleep(backoffDelay(ctx, UNPROCESSED_BACKOFF, round));
    const requestItems = Object.fromEntries(
      Object.entries(pending).map(([table, { Keys }]) => [table, { Keys, ConsistentRead: options.consistent ?? true, ...(options.projection && { ProjectionExpression: options.projection }) }]),
    );
    const result = await ctx.ddb.send(new BatchGetCommand({ RequestItems: requestItems }));
    for (const [table, found] of Object.entries(result.Responses ?? {})) for (const item of found) items.push({ table, item });
    pending = (result.UnprocessedKeys ?? {}) as typeof pending;
  }
  return items;
}

/** Deletes `keys` from `table` (unconditionally: a missing item is no error). Answers how many keys were sent. */
export async function batchDeleteAll(ctx: SluiceContext, table: string, keys: readonly Record<string, unknown>[]): Promise<number> {
  for (let i = 0; i < keys.length; i += WRITE_MAX_KEYS) {
    let pending = keys.slice(i, i + WRITE_MAX_KEYS).map((Key) => ({ DeleteRequest: { Key } }));
    for (let round = 0; pending.length > 0; round++) {
      if (round === MAX_ROUNDS) throw new ServiceBusyError(`BatchWriteItem left ${pending.length} delete(s) unprocessed after ${MAX_ROUNDS} rounds`);
      if (round > 0) await ctx.sleep(backoffDelay(ctx, UNPROCESSED_BACKOFF, round));
      const result = await ctx.ddb.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (result.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  }
  return keys.length;
}

function countKeys(pending: Record<string, { Keys: unknown[] }>): number {
  return Object.values(pending).reduce((n, request) => n + request.Keys.length, 0);
}

/** The wait before round `round` (1-based after the first): the server's one backoff, 40 ms doubling to 1 s. */
const UNPROCESSED_BACKOFF = { attempts: MAX_ROUNDS, baseDelayMs: 40, maxDelayMs: 1000 };

/** Every item a Query answers, page after page (one place for the LastEvaluatedKey loop). */
export async function queryAll(ctx: SluiceContext, input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.ddb.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Every item a Scan answers, page after page. */
export async function scanAll(ctx: SluiceContext, input: Omit<ScanCommandInput, 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.ddb.send(new ScanCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
