import type { TableId } from '../lib/storage/tables';

/**
 * What Sluice deploys: every function, its routes or stream trigger, and the
 * access it needs. The CDK stack and the local runtime (`npm start`) both read
 * this list, so a route or trigger setting exists in exactly one place.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Access = 'read' | 'write' | 'readwrite';

export interface RouteSpec {
  readonly method: HttpMethod;
  /** API Gateway route path, with `{name}` path parameters. */
  readonly path: string;
}

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
  /** kebab-case name; also the handler file `functions/<name>.ts`. */
  readonly name: string;
  readonly description: string;
  readonly memoryMiB: number;
  readonly timeoutSeconds: number;
  readonly tables: Partial<Record<TableId, Access>>;
  readonly bucket?: Access;
  readonly routes?: readonly RouteSpec[];
  readonly trigger?: StreamTriggerSpec;
}

const API_TIMEOUT_SECONDS = 29; // API Gateway's integration timeout is 30 s.

export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    name: 'create-topic',
    description: 'POST /v1/topics',
    memoryMiB: 256,
    timeoutSeconds: API_TIMEOUT_SECONDS,
    tables: { Topics: 'readwrite' },
    routes: [{ method: 'POST', path: '/v1/topics' }],
  },
  {
    name: 'list-topics',
    description: 'GET /v1/topics',
    memoryMiB: 256,
    timeoutSeconds: API_TIMEOUT_SECONDS,
    tables: { Topics: 'read' },
    routes: [{ method: 'GET', path: '/v1/topics' }],
  },
  {
    name: 'describe-topic',
    description: 'GET /v1/topics/{topic}',
    memoryMiB: 256,
    timeoutSeconds: API_TIMEOUT_SECONDS,
    tables: { Topics: 'read', Log: 'read' },
    routes: [{ method: 'GET', path: '/v1/topics/{topic}' }],
  },
  {
    name: 'delete-topic',
    description: 'DELETE /v1/topics/{topic}',
    memoryMiB: 256,
    timeoutSeconds: API_TIMEOUT_SECONDS,
    tables: { Topics: 'readwrite' },
    routes: [{ method: 'DELETE', path: '/v1/topics/{topic}' }],
  },
  {
    name: 'produce-records',
    description: 'POST /v1/topics/{topic}/records',
    memoryMiB: 1024,
    timeoutSeconds: API_TIMEOUT_SECONDS,
    tables: { Topics: 'read', Log: 'readwrite' },
    bucket: 'write',
    routes: [{ method: 'POST', path: '/v1/topics/{topic}/records' }],
  },
  {
    name: 'fetch-records',
    description: 'GET /v1/topics/{topic}/partitions/{partition}/records',
    memoryMiB: 1024,
    timeoutSeconds: API_TIMEOUT_SECONDS,
    tables: { Topics: 'read', Log: 'read' },
    bucket: 'read',
    routes: [{ method: 'GET', path: '/v1/topics/{topic}/partitions/{partition}/records' }],
  },
  {
    name: 'list-offsets',
    description: 'GET /v1/topics/{topic}/partitions/{partition}/offsets',
    memoryMiB: 256,
    timeoutSeconds: API_TIMEOUT_SECONDS,
    tables: { Topics: 'read', Log: 'read' },
    routes: [{ method: 'GET', path: '/v1/topics/{topic}/partitions/{partition}/offsets' }],
  },
  {
    name: 'cleanup-deleted-topic',
    description: 'Deletes the partition heads and index items of a deleted topic (Topics stream, REMOVE events).',
    memoryMiB: 256,
    timeoutSeconds: 300,
    tables: { Log: 'readwrite' },
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
];

export function functionEntry(spec: FunctionSpec): string {
  return `functions/${spec.name}.ts`;
}
