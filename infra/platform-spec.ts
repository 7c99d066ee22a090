import { ROUTES, type HttpMethod, type RouteName, type RouteSpec } from '../lib/protocol/routes';
import { DS_ROUTE } from '../lib/protocol/durable-streams';
import { MEMBER_SORT_PREFIX } from '../lib/store/group-items';
import { HEAD_SORT_KEY } from '../lib/store/partition-head-store';
import type { TableId } from '../lib/store/tables';

export type { HttpMethod, RouteSpec };

/**
 * What Sluice deploys: every function, its routes, stream trigger or schedule,
 * and the access it needs. The CDK stack and the local runtime (`npm start`) both
 * read this list, so a route, trigger or schedule setting exists in exactly one place.
 */
export type Access = 'read' | 'write' | 'readwrite';
/** Segment-bucket access: a table's kinds, or `delete` alone (s3:DeleteObject, no listing). */
export type BucketAccess = Access | 'delete';

/** The settings of a DynamoDB Streams → Lambda event source mapping. */
export interface StreamTriggerSpec {
  readonly table: TableId;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** Retries after the first failed attempt, before the batch goes to the on-failure destination. */
  readonly retryAttempts: number;
  readonly bisectBatchOnError: boolean;
  readonly maxRecordAgeSeconds: number;
  readonly reportBatchItemFailures: boolean;
  /** Lambda event filter patterns (any one must match); omitted means every record. */
  readonly filterPatterns?: readonly Record<string, unknown>[];
}

export interface FunctionSpec {
  /** kebab-case name; also the handler file `functions/<kind>/<name>.ts` (`functionEntry`). */
  readonly name: string;
  readonly description: string;
  readonly memoryMiB: number;
  readonly timeoutSeconds: number;
  readonly tables: Partial<Record<TableId, Access>>;
  readonly bucket?: BucketAccess;
  readonly routes?: readonly RouteSpec[];
  /**
   * Serves API Gateway's `$default` route: every request no route matches (an unknown
   * path, or a known path with another method), so it is answered in the API's own
   * error shape rather than API Gateway's `{"message":"Not Found"}`.
   */
  readonly defaultRoute?: boolean;
  readonly trigger?: StreamTriggerSpec;
  /**
   * Run the function on a fixed rate, with an EventBridge Scheduled Event as input:
   * an EventBridge rule in the stack, a timer in the local runtime
   * (`infra/local/scheduler.ts`). A whole number of minutes, at least 1. Delivery is
   * at least once and a run is not fenced off from the next, so a scheduled function
   * must be idempotent.
   */
  readonly schedule?: { readonly rateMinutes: number };
  /** Delivers to push targets: may invoke the Lambda functions the stack allows (`pushTargetFunctionArns`). */
  readonly invokesPushTargets?: boolean;
  /**
   * Route keys of the WebSocket API (waiting at the tail; infra/constructs/sluice-watch-api.ts)
   * this function serves: `$connect`, `$disconnect`, or `watch`, `check`, `bind` and `$default`. Its handler lives in
   * `functions/websocket/`.
   */
  readonly webSocketRoutes?: readonly WebSocketRouteKey[];
  /**
   * Posts to WebSocket connections (`ready`, the watch answers, `rebalance`): gets
   * `execute-api:ManageConnections` on the watch API's connections and the management
   * endpoint in `SLUICE_WATCH_ENDPOINT`. Without a watch API it gets neither and posts nothing.
   */
  readonly managesConnections?: boolean;
  /**
   * Serves HTTP through a Lambda function URL of its own with response streaming
   * (InvokeMode RESPONSE_STREAM), not through the HTTP API, which buffers answers: the
   * live reads (server-sent events; infra/constructs/sluice-live-reads.ts). Its handler
   * routes requests itself (functions/http/stream-reads.ts, STREAM_ROUTES). The local
   * runtime serves no URL for it: its HTTP server streams the same handlers itself.
   */
  readonly streamsResponses?: boolean;
}

/** The WebSocket API's route keys; `ping` has no function (API Gateway answers it, a MOCK integration). */
export type WebSocketRouteKey = '$connect' | '$disconnect' | 'watch' | 'check' | 'bind' | '$default';

const API_TIMEOUT_SECONDS = 29; // API Gateway's integration timeout is 30 s.
const WEBSOCKET_TIMEOUT_SECONDS = 29; // A WebSocket API's integration timeout is 29 s.
/**
 * A live read ends itself after SLUICE_LIVE_MAX_DURATION_MS (60 s by default,
 * lib/log/live-records.ts); the timeout leaves room for its first fetch and last write, so
 * the `end` event, not a cut connection, closes the stream. Lambda allows up to 900 s.
 */
const LIVE_READ_TIMEOUT_SECONDS = 90;

/** A function behind one HTTP route; its description is the route itself. */
function apiFunction(name: RouteName, access: Pick<FunctionSpec, 'tables' | 'bucket'>, memoryMiB = 256): FunctionSpec {
  const route: RouteSpec = ROUTES[name];
  // Every route authorizes its caller against the ACL rules in the Access table (read on
  // a cache miss); a spec may ask for more (write, for quota usage and ACL administration).
  const tables: FunctionSpec['tables'] = { Access: 'read', ...access.tables };
  return { name, description: `${route.method} ${route.path}`, memoryMiB, timeoutSeconds: API_TIMEOUT_SECONDS, ...access, tables, routes: [route] };
}

// Produce and fetch move record bytes; more memory also buys Lambda more CPU and network.
const DATA_PATH_MEMORY_MIB = 1024;

export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    name: 'route-not-found',
    description: 'Answers requests no route matches: 404 ROUTE_NOT_FOUND, or 405 METHOD_NOT_ALLOWED with Allow ($default route).',
    memoryMiB: 128,
    timeoutSeconds: 5,
    tables: {},
    defaultRoute: true,
  },
  apiFunction('create-topic', { tables: { Topics: 'readwrite' } }),
  apiFunction('list-topics', { tables: { Topics: 'read' } }),
  // The topic item alone; every partition's offsets are list-topic-offsets.
  apiFunction('describe-topic', { tables: { Topics: 'read' } }),
  apiFunction('delete-topic', { tables: { Topics: 'readwrite' } }),
  apiFunction('alter-topic-config', { tables: { Topics: 'readwrite' } }),
  {
    // Groups: the groups consuming the topic are rebalanced onto the new partition count,
    // and their members bound to a watch connection are told (`rebalance`), as coordinate-groups does.
    ...apiFunction('create-partitions', { tables: { Topics: 'readwrite', Groups: 'readwrite' } }),
    managesConnections: true,
  },
  {
    // Access: quota usage is counted with an atomic ADD per call.
    ...apiFunction('produce-records', { tables: { Topics: 'read', Log: 'readwrite', Producers: 'read', Access: 'readwrite' }, bucket: 'readwrite' }, DATA_PATH_MEMORY_MIB),
    // Posts `ready` to connections waiting on the partitions it committed (the fast path; lib/watch).
    managesConnections: true,
  },
  apiFunction(
    'fetch-records',
    { tables: { Topics: 'read', Log: 'read', Access: 'readwrite' }, bucket: 'read' },
    DATA_PATH_MEMORY_MIB,
  ),
  {
    name: 'stream-reads',
    description: 'Serves live reads (server-sent events) through its response-streaming function URL: GET /v1/topics/{topic}/partitions/{partition}/records?live=sse.',
    // As fetch-records: a reader catching up moves as many record bytes as a fetch.
    memoryMiB: DATA_PATH_MEMORY_MIB,
    timeoutSeconds: LIVE_READ_TIMEOUT_SECONDS,
    // What fetch-records reads; Access: ACL rules, and quota usage counted with an atomic ADD.
    // Durable Streams reads also record a sliding TTL's access (Log) and delete a stream found
    // expired (its stream item, and its topic: Topics).
    tables: { Topics: 'readwrite', Log: 'readwrite', Access: 'readwrite' },
    bucket: 'read',
    streamsResponses: true,
  },
  {
    // The Durable Streams protocol (docs/design.md, "Durable Streams"): creates and deletes a
    // stream's topic, appends through the produce path (posting `ready` to waiting watch
    // connections, as produce-records does), reads through the fetch path.
    name: 'durable-streams',
    description: `Serves the Durable Streams protocol: ${DS_ROUTE.method} ${DS_ROUTE.path}.`,
    memoryMiB: DATA_PATH_MEMORY_MIB,
    timeoutSeconds: API_TIMEOUT_SECONDS,
    tables: { Topics: 'readwrite', Log: 'readwrite', Producers: 'read', Access: 'readwrite' },
    bucket: 'readwrite',
    routes: [DS_ROUTE],
    managesConnections: true,
  },
  apiFunction('init-producer', { tables: { Producers: 'readwrite' } }),
  apiFunction(
    'list-offsets',
    // Offsets-for-times reads the one batch that holds the answer.
    { tables: { Topics: 'read', Log: 'read' }, bucket: 'read' },
  ),
  // The topic item, then every partition's head.
  apiFunction('list-topic-offsets', { tables: { Topics: 'read', Log: 'read' } }),
  // Moves the head's log start and marks it due; the enforce-retention schedule releases the batches.
  apiFunction('trim-partition', { tables: { Topics: 'read', Log: 'readwrite' } }),
  apiFunction('join-group', { tables: { Topics: 'read', Groups: 'readwrite' } }),
  apiFunction('heartbeat-member', { tables: { Groups: 'readwrite' } }),
  apiFunction('leave-group', { tables: { Groups: 'readwrite' } }),
  apiFunction('commit-offsets', { tables: { Topics: 'read', Groups: 'readwrite' } }),
  apiFunction('get-group-offsets', { tables: { Topics: 'read', Log: 'read', Groups: 'read' } }),
  apiFunction('list-groups', { tables: { Groups: 'read' } }),
  apiFunction('describe-group', { tables: { Topics: 'read', Log: 'read', Groups: 'read' } }),
  // Deletes the group's offset, meta and lapsed member items; a member that joined meanwhile gets a new group (Topics: its partition counts).
  apiFunction('delete-group', { tables: { Topics: 'read', Groups: 'readwrite' } }),
  apiFunction(
    'reset-group-offsets',
    // Heads for earliest and latest; a time reads the one batch that holds the answer, as offsets-for-times does.
    { tables: { Topics: 'read', Log: 'read', Groups: 'readwrite' }, bucket: 'read' },
  ),
  apiFunction('delete-group-offsets', { tables: { Groups: 'readwrite' } }),
  apiFunction(
    'put-subscription',
    // Creating the dead-letter topic is a Topics write.
    { tables: { Topics: 'readwrite', Groups: 'readwrite' } },
  ),
  apiFunction('get-subscription', { tables: { Topics: 'read', Log: 'read', Groups: 'read' } }),
  apiFunction('delete-subscription', { tables: { Groups: 'readwrite' } }),
  {
    name: 'dispatch-deliveries',
    description: 'Pushes committed records to subscribed targets when a partition head moves (Log stream).',
    memoryMiB: 1024,
    timeoutSeconds: 60,
    // Reads records, commits group offsets, and writes undeliverable records to dead-letter topics.
    tables: { Topics: 'read', Log: 'readwrite', Producers: 'read', Groups: 'readwrite' },
    bucket: 'readwrite',
    invokesPushTargets: true,
    trigger: {
      table: 'Log',
      batchSize: 100,
      maxBatchingWindowSeconds: 0,
      startingPosition: 'LATEST',
      retryAttempts: 3,
      bisectBatchOnError: true,
      maxRecordAgeSeconds: 3600,
      reportBatchItemFailures: true,
      filterPatterns: [{ eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: [HEAD_SORT_KEY] } } } }],
    },
  },
  {
    name: 'watch-connect',
    description: 'Accepts a WebSocket connection to wait at the tail ($connect; API Gateway has authenticated it with IAM).',
    memoryMiB: 128,
    timeoutSeconds: 5,
    tables: {},
    webSocketRoutes: ['$connect'],
  },
  {
    name: 'watch',
    description: "Arms a connection's one-shot watches of partitions at their tail, checks them, and binds group members to it (WebSocket `watch`, `check`, `bind` and `$default` routes).",
    memoryMiB: 256,
    timeoutSeconds: WEBSOCKET_TIMEOUT_SECONDS,
    // Reads topics and ACL rules, writes watcher items, marks and reads partition heads; binds members (Groups).
    tables: { Topics: 'read', Log: 'readwrite', Access: 'read', Groups: 'readwrite' },
    webSocketRoutes: ['watch', 'check', 'bind', '$default'],
    managesConnections: true,
  },
  {
    name: 'watch-disconnect',
    description: 'Starts the session timeout of the group members bound to a closed WebSocket connection ($disconnect).',
    memoryMiB: 128,
    timeoutSeconds: WEBSOCKET_TIMEOUT_SECONDS,
    // Queries the connection's binding items, releases the members they name, deletes them.
    tables: { Groups: 'readwrite' },
    webSocketRoutes: ['$disconnect'],
  },
  {
    name: 'notify-watchers',
    description: 'Tells connections waiting at a partition\'s tail that its high watermark moved, when a watched head moves (Log stream).',
    memoryMiB: 256,
    timeoutSeconds: 30,
    // Queries watcher items, removes fired watches and deletes a gone connection's items.
    tables: { Log: 'readwrite' },
    managesConnections: true,
    trigger: {
      table: 'Log',
      batchSize: 100,
      maxBatchingWindowSeconds: 0,
      startingPosition: 'LATEST',
      retryAttempts: 2,
      bisectBatchOnError: true,
      // A `ready` older than this helps nobody: the watch has expired (WATCH_TTL_MS) or the reader re-armed.
      maxRecordAgeSeconds: 600,
      reportBatchItemFailures: true,
      // Only heads somebody watches: commits to other partitions never invoke it.
      filterPatterns: [
        { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: [HEAD_SORT_KEY] } }, NewImage: { watchedUntil: { N: [{ exists: true }] } } } },
      ],
    },
  },
  {
    name: 'catch-up-deliveries',
    description: 'Delivers lagging push subscriptions: new ones, deferred retries, missed events (every minute).',
    memoryMiB: 1024,
    timeoutSeconds: 300,
    tables: { Topics: 'read', Log: 'readwrite', Producers: 'read', Groups: 'readwrite' },
    bucket: 'readwrite',
    invokesPushTargets: true,
    schedule: { rateMinutes: 1 },
  },
  apiFunction('create-acl', { tables: { Access: 'readwrite' } }),
  apiFunction('list-acls', { tables: { Access: 'read' } }),
  apiFunction('delete-acl', { tables: { Access: 'readwrite' } }),
  apiFunction('set-quota', { tables: { Access: 'readwrite' } }),
  apiFunction('list-quotas', { tables: { Access: 'read' } }),
  {
    name: 'coordinate-groups',
    description: 'Computes the next generation and assignment of a group when a member joins, leaves or lapses, and tells bound members (Groups stream).',
    memoryMiB: 512,
    timeoutSeconds: 60,
    tables: { Topics: 'read', Groups: 'readwrite' },
    // Posts `rebalance` to members bound to a watch connection (lib/groups/member-binding).
    managesConnections: true,
    trigger: {
      table: 'Groups',
      batchSize: 100,
      maxBatchingWindowSeconds: 0,
      startingPosition: 'TRIM_HORIZON',
      retryAttempts: 10,
      bisectBatchOnError: true,
      maxRecordAgeSeconds: 3600,
      reportBatchItemFailures: true,
      // Heartbeats MODIFY member items; only joins and removals change membership.
      filterPatterns: [{ eventName: ['INSERT', 'REMOVE'], dynamodb: { Keys: { sk: { S: [{ prefix: MEMBER_SORT_PREFIX }] } } } }],
    },
  },
  {
    name: 'expire-group-members',
    description: 'Removes group members whose leases lapsed, for groups nobody heartbeats any more (every minute).',
    memoryMiB: 256,
    timeoutSeconds: 60,
    tables: { Groups: 'readwrite' },
    schedule: { rateMinutes: 1 },
  },
  {
    name: 'cleanup-deleted-topic',
    description: 'Deletes the partition heads, index items, object ref items and segment objects of a deleted topic (Topics stream, REMOVE events).',
    memoryMiB: 256,
    timeoutSeconds: 300,
    tables: { Log: 'readwrite' },
    // Deletes the topic's segment objects (delete only: no read, write or list).
    bucket: 'delete',
    trigger: {
      table: 'Topics',
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      startingPosition: 'TRIM_HORIZON',
      retryAttempts: 5,
      bisectBatchOnError: true,
      maxRecordAgeSeconds: 3600,
      reportBatchItemFailures: true,
      filterPatterns: [{ eventName: ['REMOVE'] }],
    },
  },
  {
    name: 'collect-orphan-objects',
    description: 'Deletes segment objects that no commit references, once past the grace period (hourly).',
    memoryMiB: 512,
    timeoutSeconds: 300,
    // Reads ref items; writes its per-prefix checkpoints.
    tables: { Log: 'readwrite' },
    // List and delete segment objects (readwrite includes s3:List* and s3:DeleteObject*).
    bucket: 'readwrite',
    schedule: { rateMinutes: 60 },
  },
  {
    name: 'enforce-retention',
    description: "Moves each partition's log start past records older than the topic's retention.ms, and releases their index items and object refs (every 5 minutes).",
    memoryMiB: 256,
    timeoutSeconds: 300,
    // Lists topics; moves heads, deletes index and ref items, and deletes the segment objects
    // no kept batch uses (delete only: no read, write or list).
    tables: { Topics: 'read', Log: 'readwrite' },
    bucket: 'delete',
    schedule: { rateMinutes: 5 },
  },
  {
    name: 'compact-log',
    description: 'Merges small batches into larger objects, and on compacted topics keeps the latest record per key (every 10 minutes).',
    // A run holds up to 128 MiB of one partition's stored batches, decoded, four partitions at a time.
    memoryMiB: 2048,
    timeoutSeconds: 300,
    // Lists topics; reads heads and index items, swaps index items, counts ref items, writes its state and leases.
    tables: { Topics: 'read', Log: 'readwrite' },
    // Reads batches, writes rewritten objects, deletes retired ones.
    bucket: 'readwrite',
    schedule: { rateMinutes: 10 },
  },
];

/**
 * Where a function's handler lives: `functions/http/` for routes, `functions/streams/` for
 * stream triggers, `functions/schedules/` for schedules, `functions/websocket/` for the
 * WebSocket API's routes.
 */
export function functionKind(spec: FunctionSpec): 'http' | 'streams' | 'schedules' | 'websocket' {
  if (spec.trigger) return 'streams';
  if (spec.webSocketRoutes) return 'websocket';
  if (spec.schedule) return 'schedules';
  return 'http';
}

export function functionEntry(spec: FunctionSpec): string {
  return `functions/${functionKind(spec)}/${spec.name}.ts`;
}
