/**
 * Request accounting for AWS SDK v3 clients: counts every S3 and DynamoDB request by
 * service and operation, every attempt the SDK's retry strategy makes (so retries show
 * as attempts beyond requests), the bytes on the wire, and the DynamoDB capacity the
 * requests consumed.
 *
 * `new RequestCounter({ include })` counts only the requests `include()` accepts when they
 * start (for example those made inside one AsyncLocalStorage scope).
 *
 * `counter.attach(client)` adds two middlewares to the client's stack:
 *
 * - at `initialize` (once per `send`): counts the request, asks DynamoDB for its consumed
 *   capacity (`ReturnConsumedCapacity: 'TOTAL'`) when the caller did not say, sums the
 *   capacity from the output (a single `ConsumedCapacity` or the list that batch and
 *   transaction operations return), and counts the outcome;
 * - at `finalizeRequest`, below the retry middleware (once per attempt): counts the
 *   attempt, its request and response bytes, and a failed attempt's error name.
 *
 * A DynamoDBDocumentClient shares the middleware stack of the DynamoDBClient it wraps, so
 * attaching either counts both. Capacity this counter asked for is removed from the output
 * again, so callers see exactly what they would without it.
 */

/** What the counter knows about one operation (for example S3 PutObject). */
export interface OperationCounts {
  /** Calls to `send`: logical requests, however many attempts each took. */
  requests: number;
  /** HTTP attempts, the SDK's retries included: `attempts - requests` is the retry count. */
  attempts: number;
  /** Requests that finally failed (after the SDK's retries). */
  errors: number;
  /**
   * DynamoDB items the requests named: 1 per single-item call, the `TransactItems` of a
   * transaction, the keys or writes of a batch; 0 for Query and Scan. DynamoDB Local
   * reports a transaction's capacity as if it held one item, so cost models price
   * transactions from this count instead.
   */
  items: number;
  /**
   * DynamoDB reads asked for eventually consistent: the items named (GetItem, BatchGetItem)
   * or the requests (Query, Scan) without `ConsistentRead`. AWS bills these at least half a
   * read unit each, where a strongly consistent one is at least a whole unit.
   */
  eventualReads: number;
  /** Attempts that failed, retried or not. */
  failedAttempts: number;
  /** Error names of failed requests and attempts, for example `TransactionCanceledException`. */
  errorNames: Record<string, number>;
  /** DynamoDB consumed capacity, summed over successful requests (`CapacityUnits`). */
  capacityUnits: number;
  /** The read share of `capacityUnits`: reported `ReadCapacityUnits`, or all of a read operation's units. */
  readCapacityUnits: number;
  /** The write share of `capacityUnits`: reported `WriteCapacityUnits`, or all of a write operation's units. */
  writeCapacityUnits: number;
  /** Successful DynamoDB requests whose capacity is unknown (the caller asked for `ReturnConsumedCapacity: 'NONE'`). */
  capacityUnknown: number;
  /** Request body bytes over all attempts (content-length). */
  bytesSent: number;
  /** Response body bytes over all attempts (content-length, where the response states it). */
  bytesReceived: number;
}

/** Counts per service (`S3`, `DynamoDB`) and operation (`PutObject`, `TransactWriteItems`). */
export interface RequestSnapshot {
  services: Record<string, Record<string, OperationCounts>>;
}

/** One row per service and operation, for printing and for the cost model. */
export interface OperationRow extends OperationCounts {
  service: string;
  operation: string;
}

/** The smallest view of an SDK client the counter needs: its middleware stack. */
export interface AttachableClient {
  middlewareStack: {
    add(middleware: unknown, options: Record<string, unknown>): void;
    remove(toRemove: string): boolean;
  };
}

/** DynamoDB operations that accept `ReturnConsumedCapacity`. */
const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
  'ExecuteStatement',
  'BatchExecuteStatement',
  'ExecuteTransaction',
]);

/** Operations whose capacity is all read capacity when DynamoDB reports only `CapacityUnits`. */
const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

let nextCounterId = 0;

export interface RequestCounterOptions {
  /**
   * Called when a request starts (and at each attempt): only requests for which it answers
   * true are counted, and only those get `ReturnConsumedCapacity` added. With an
   * AsyncLocalStorage, this tells apart the requests of different callers sharing one client.
   */
  include?: () => boolean;
}

export class RequestCounter {
  private services: Record<string, Record<string, OperationCounts>> = {};
  private readonly name = `sluiceRequestCounter${nextCounterId++}`;
  private readonly attached = new Set<AttachableClient['middlewareStack']>();
  private readonly include: () => boolean;

  constructor(options: RequestCounterOptions = {}) {
    this.include = options.include ?? (() => true);
  }

  /**
   * Starts counting the requests `client` sends. Attaching the same stack twice is a no-op
   * (a DynamoDBDocumentClient and its DynamoDBClient share one stack).
   */
  attach(client: AttachableClient): this {
    const stack = client.middlewareStack;
    if (this.attached.has(stack)) return this;
    stack.add(this.perRequest(), { step: 'initialize', priority: 'high', name: `${this.name}Request`, tags: ['SLUICE_METRICS'] });
    // Low priority in finalizeRequest runs inside the retry middleware (high priority): once per attempt.
    stack.add(this.perAttempt(), { step: 'finalizeRequest', priority: 'low', name: `${this.name}Attempt`, tags: ['SLUICE_METRICS'] });
    this.attached.add(stack);
    return this;
  }

  /** Stops counting `client`'s requests. */
  detach(client: AttachableClient): this {
    const stack = client.middlewareStack;
    if (!this.attached.has(stack)) return this;
    stack.remove(`${this.name}Request`);
    stack.remove(`${this.name}Attempt`);
    this.attached.delete(stack);
    return this;
  }

  /** A deep copy of the counts so far. */
  snapshot(): RequestSnapshot {
    return { services: structuredClone(this.services) };
  }

  /** Forgets every count (attachments stay). */
  reset(): void {
    this.services = {};
  }

  /** What happened between two snapshots: `later - earlier`, operation by operation. */
  diff(earlier: RequestSnapshot, later: RequestSnapshot): RequestSnapshot {
    return diffSnapshots(earlier, later);
  }

  private counts(service: string, operation: string): OperationCounts {
    const byOperation = (this.services[service] ??= {});
    return (byOperation[operation] ??= emptyCounts());
  }

  private perRequest() {
    return (next: Handler, context: HandlerContext) => async (args: HandlerArgs) => {
      if (!this.include()) return next(args);
      const service = serviceName(context.clientName);
      const operation = operationName(context.commandName);
      const counts = this.counts(service, operation);
      counts.requests++;
      if (service === 'DynamoDB') {
        counts.items += itemsNamed(operation, args.input);
        counts.eventualReads += eventualReadsNamed(operation, args.input);
      }
      let injected = false;
      let nextArgs = args;
      const input = args.input as Record<string, unknown> | undefined;
      if (service === 'DynamoDB' && CAPACITY_OPERATIONS.has(operation) && input && input.ReturnConsumedCapacity === undefined) {
        nextArgs = { ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } };
        injected = true;
      }
      let result: HandlerResult;
      try {
        result = await next(nextArgs);
      } catch (error) {
        counts.errors++;
        bump(counts.errorNames, errorName(error));
        throw error;
      }
      if (service === 'DynamoDB' && CAPACITY_OPERATIONS.has(operation)) {
        const output = result.output as Record<string, unknown> | undefined;
        const consumed = output?.ConsumedCapacity;
        if (consumed === undefined) {
          counts.capacityUnknown++;
        } else {
          addCapacity(counts, operation, consumed);
          if (injected && output) {
            const { ConsumedCapacity: _dropped, ...rest } = output;
            result = { ...result, output: rest };
          }
        }
      }
      return result;
    };
  }

  private perAttempt() {
    return (next: Handler, context: HandlerContext) => async (args: HandlerArgs) => {
      if (!this.include()) return next(args);
      const counts = this.counts(serviceName(context.clientName), operationName(context.commandName));
      counts.attempts++;
      counts.bytesSent += requestBytes(args.request);
      try {
        const result = await next(args);
        counts.bytesReceived += responseBytes(result.response);
        return result;
      } catch (error) {
        counts.failedAttempts++;
        bump(counts.errorNames, `attempt:${errorName(error)}`);
        const response = (error as { $response?: unknown }).$response;
        if (response) counts.bytesReceived += responseBytes(response);
        throw error;
      }
    };
  }
}

/** `later - earlier` for every counter of every operation; operations with no activity are left out. */
export function diffSnapshots(earlier: RequestSnapshot, later: RequestSnapshot): RequestSnapshot {
  const services: Record<string, Record<string, OperationCounts>> = {};
  for (const [service, operations] of Object.entries(later.services)) {
    for (const [operation, after] of Object.entries(operations)) {
      const before = earlier.services[service]?.[operation] ?? emptyCounts();
      const delta = subtract(after, before);
      if (delta.requests === 0 && delta.attempts === 0) continue;
      (services[service] ??= {})[operation] = delta;
    }
  }
  return { services };
}

/** The snapshot as rows, sorted by service then operation. */
export function operationRows(snapshot: RequestSnapshot): OperationRow[] {
  const rows: OperationRow[] = [];
  for (const [service, operations] of Object.entries(snapshot.services)) {
    for (const [operation, counts] of Object.entries(operations)) rows.push({ service, operation, ...counts });
  }
  return rows.sort((a, b) => a.service.localeCompare(b.service) || a.operation.localeCompare(b.operation));
}

/** Sums every operation of a snapshot, or of one service. */
export function totalCounts(snapshot: RequestSnapshot, service?: string): OperationCounts {
  const total = emptyCounts();
  for (const row of operationRows(snapshot)) {
    if (service !== undefined && row.service !== service) continue;
    addInto(total, row);
  }
  return total;
}

/** The counts of one operation, zeros when it never ran. */
export function countsOf(snapshot: RequestSnapshot, service: string, operation: string): OperationCounts {
  return snapshot.services[service]?.[operation] ?? emptyCounts();
}

export function emptyCounts(): OperationCounts {
  return {
    requests: 0,
    attempts: 0,
    errors: 0,
    items: 0,
    eventualReads: 0,
    failedAttempts: 0,
    errorNames: {},
    capacityUnits: 0,
    readCapacityUnits: 0,
    writeCapacityUnits: 0,
    capacityUnknown: 0,
    bytesSent: 0,
    bytesReceived: 0,
  };
}

type Handler = (args: HandlerArgs) => Promise<HandlerResult>;
interface HandlerArgs {
  input?: unknown;
  request?: unknown;
}
interface HandlerResult {
  output?: unknown;
  response?: unknown;
}
interface HandlerContext {
  clientName?: string;
  commandName?: string;
}

const NUMERIC_FIELDS = [
  'requests',
  'attempts',
  'errors',
  'items',
  'eventualReads',
  'failedAttempts',
  'capacityUnits',
  'readCapacityUnits',
  'writeCapacityUnits',
  'capacityUnknown',
  'bytesSent',
  'bytesReceived',
] as const;

function subtract(after: OperationCounts, before: OperationCounts): OperationCounts {
  const delta = emptyCounts();
  for (const field of NUMERIC_FIELDS) delta[field] = round(after[field] - before[field]);
  for (const [name, n] of Object.entries(after.errorNames)) {
    const d = n - (before.errorNames[name] ?? 0);
    if (d !== 0) delta.errorNames[name] = d;
  }
  return delta;
}

function addInto(total: OperationCounts, counts: OperationCounts): void {
  for (const field of NUMERIC_FIELDS) total[field] = round(total[field] + counts[field]);
  for (const [name, n] of Object.entries(counts.errorNames)) total.errorNames[name] = (total.errorNames[name] ?? 0) + n;
}

/** Capacity units are multiples of 0.5; rounding keeps float sums exact enough to compare. */
function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

function addCapacity(counts: OperationCounts, operation: string, consumed: unknown): void {
  const entries = Array.isArray(consumed) ? consumed : [consumed];
  for (const entry of entries) {
    if (!entry || typeof entry !== 'object') continue;
    const { CapacityUnits, ReadCapacityUnits, WriteCapacityUnits } = entry as Record<string, unknown>;
    const total = num(CapacityUnits);
    const read = num(ReadCapacityUnits);
    const write = num(WriteCapacityUnits);
    counts.capacityUnits = round(counts.capacityUnits + (total || read + write));
    if (ReadCapacityUnits !== undefined || WriteCapacityUnits !== undefined) {
      counts.readCapacityUnits = round(counts.readCapacityUnits + read);
      counts.writeCapacityUnits = round(counts.writeCapacityUnits + write);
    } else if (READ_OPERATIONS.has(operation)) {
      counts.readCapacityUnits = round(counts.readCapacityUnits + total);
    } else {
      counts.writeCapacityUnits = round(counts.writeCapacityUnits + total);
    }
  }
}

const SINGLE_ITEM_OPERATIONS = new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);

function itemsNamed(operation: string, input: unknown): number {
  if (SINGLE_ITEM_OPERATIONS.has(operation)) return 1;
  if (!input || typeof input !== 'object') return 0;
  const { TransactItems, RequestItems, Statements } = input as Record<string, unknown>;
  if (Array.isArray(TransactItems)) return TransactItems.length;
  if (Array.isArray(Statements)) return Statements.length;
  if (RequestItems && typeof RequestItems === 'object') {
    let n = 0;
    for (const request of Object.values(RequestItems as Record<string, unknown>)) {
      if (Array.isArray(request)) n += request.length; // BatchWriteItem: a list of put/delete requests per table
      else if (request && typeof request === 'object' && Array.isArray((request as { Keys?: unknown }).Keys)) n += (request as { Keys: unknown[] }).Keys.length;
    }
    return n;
  }
  return 0;
}

/** Items (GetItem, BatchGetItem) or requests (Query, Scan) read without `ConsistentRead`. */
function eventualReadsNamed(operation: string, input: unknown): number {
  if (!input || typeof input !== 'object') return 0;
  const { ConsistentRead, RequestItems } = input as Record<string, unknown>;
  switch (operation) {
    case 'GetItem':
    case 'Query':
    case 'Scan':
      return ConsistentRead === true ? 0 : 1;
    case 'BatchGetItem': {
      let n = 0;
      for (const request of Object.values((RequestItems ?? {}) as Record<string, { Keys?: unknown[]; ConsistentRead?: boolean }>)) {
        if (request?.ConsistentRead !== true && Array.isArray(request?.Keys)) n += request.Keys.length;
      }
      return n;
    }
    default:
      return 0;
  }
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

function serviceName(clientName: string | undefined): string {
  const name = (clientName ?? 'Unknown').replace(/Client$/, '');
  // The document client's commands run through the DynamoDBClient's stack, under its name.
  return name === 'DynamoDBDocument' ? 'DynamoDB' : name;
}

function operationName(commandName: string | undefined): string {
  return (commandName ?? 'Unknown').replace(/Command$/, '');
}

function errorName(error: unknown): string {
  if (error && typeof error === 'object') {
    const { name, code } = error as { name?: unknown; code?: unknown };
    if (typeof name === 'string' && name !== 'Error') return name;
    if (typeof code === 'string') return code;
  }
  return 'Error';
}

function requestBytes(request: unknown): number {
  if (!request || typeof request !== 'object') return 0;
  const { headers, body } = request as { headers?: Record<string, string>; body?: unknown };
  const length = headerNumber(headers, 'content-length');
  if (length !== undefined) return length;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  return 0;
}

function responseBytes(response: unknown): number {
  if (!response || typeof response !== 'object') return 0;
  return headerNumber((response as { headers?: Record<string, string> }).headers, 'content-length') ?? 0;
}

function headerNumber(headers: Record<string, string> | undefined, name: string): number | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) {
      const n = Number(value);
      return Number.isFinite(n) ? n : undefined;
    }
  }
  return undefined;
}
