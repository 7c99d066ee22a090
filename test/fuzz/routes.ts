import type fc from 'fast-check';
import { FUNCTIONS } from '../../infra/platform-spec';
import { DS_BASES, dsMutationFamilies } from './durable-streams';
import type { Mutation, RouteInputs } from './mutations';
import { arr, int, obj, oneOf, RULES, str, type ParamSpec, type QuerySpec, type Spec } from './spec';

/**
 * The fuzz table: for every route of the API, what its inputs are (docs/http-api.md)
 * and a valid request against the fixtures to start each mutation from. A route in
 * infra/platform-spec.ts without an entry here fails the fuzz test by name.
 */

/** What the fixtures hold (test/fuzz/fixtures.ts); bases read it when a request is built. */
export interface Fixtures {
  /** Two topics of 2 partitions with records; `b` is the one delete requests aim at. */
  readonly topics: { readonly a: string; readonly b: string; readonly deadLetter: string };
  /** A group with one live member, assigned both partitions of topic a, with committed offsets. */
  readonly liveGroup: string;
  memberId: string;
  generation: number;
  /** A group with a push subscription to `pushUrl`. */
  readonly pushGroup: string;
  readonly pushUrl: string;
  /** An ACL rule delete requests aim at. */
  ruleId: string;
  /** An idempotent producer and the next sequence it would send to topic a, partition 0. */
  producer: { id: number; epoch: number; nextSequence: number };
  /** Topic a partition 1's high watermark, for conditional appends. */
  highWatermarkA1: number;
  /**
   * Durable Streams stream paths (after /ds/): a JSON stream with records, a writer
   * sequence and a producer at epoch 1; a byte stream; a closed text stream; a fork of
   * the JSON stream; one that delete requests aim at.
   */
  readonly streams: { readonly json: string; readonly bytes: string; readonly closed: string; readonly fork: string; readonly doomed: string };
}

/** Stands in for the fixtures when only the shape of a base request matters (planning). */
export const SHAPE_FIXTURES: Fixtures = {
  topics: { a: 'a', b: 'b', deadLetter: 'dlq' },
  liveGroup: 'g',
  memberId: 'm',
  generation: 1,
  pushGroup: 'p',
  pushUrl: 'http://127.0.0.1:1/hook',
  ruleId: 'r',
  producer: { id: 1, epoch: 0, nextSequence: 0 },
  highWatermarkA1: 0,
  streams: { json: 'j', bytes: 'b', closed: 'c', fork: 'f', doomed: 'd' },
};

export interface Base {
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** For an `ANY` route: the method of this base. */
  readonly method?: string;
  /** Path parameters written as is (a `{proxy+}` stream path keeps its `/`). */
  readonly rawParams?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** A body sent as these bytes with only the base's headers (no JSON, no default content type). */
  readonly rawBody?: string | Buffer;
}

export type AuthScope = 'none' | 'resource' | 'cluster';

export interface RouteCase extends Omit<RouteInputs, 'method' | 'path'> {
  /** What the route authorizes on: nothing (lists filter instead), a named resource, or the cluster. */
  readonly auth: AuthScope;
  readonly bases: readonly ((fx: Fixtures) => Base)[];
  /** For inputs the description language does not cover (headers, raw bodies): the route's own mutation families of a base. */
  readonly families?: (base: Base, routes: readonly { method: string; path: string }[]) => fc.Arbitrary<Mutation>[];
}

const topic: ParamSpec = { kind: 'string', rule: RULES.name };
const group: ParamSpec = { kind: 'string', rule: RULES.name };
const member: ParamSpec = { kind: 'string', rule: RULES.token128 };
const partition: ParamSpec = { kind: 'partition' };
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_TIMESTAMP = 8_640_000_000_000_000;
const b64 = (text: string) => Buffer.from(text).toString('base64');

const header = obj({ key: str(RULES.headerKey), value: { type: 'data', nullable: true } });
// Headers are a list of {key, value} or an object map: a 400 may name `headers` itself.
const record = (headers: Spec) =>
  obj({
    key: { type: 'data', maxBytes: 65_536, nullable: true },
    value: { type: 'data', maxBytes: 1_048_576, nullable: true },
    headers,
    partition: int(0),
    timestamp: int(0, MAX_TIMESTAMP),
  });
const headerList = arr(header, 0, 64, { union: true });
const headerMap: Spec = { type: 'map', values: { type: 'data', nullable: true }, union: true };
const produceBody = (records: Spec): Spec =>
  obj({
    encoding: oneOf('utf8', 'base64'),
    producer: obj({ id: int(0, MAX_SAFE), epoch: int(0, 32_767), sequences: { type: 'sequences' } }),
    expectedOffset: int(0, MAX_SAFE),
    records: arr(records, 1, 10_000),
  });
const byteRate = int(1, 10 * 1024 ** 3, { nullable: true });
/** A reset body whose target is `{type, <field>}`: each target type has its own field, and the others are unknown keys there. */
const resetBody = (field: 'offset' | 'timestamp', value: Spec): Spec =>
  obj({
    topic: str(RULES.name),
    partitions: arr(int(0), 1, 256),
    to: obj({ type: oneOf('earliest', 'latest', 'timestamp', 'offset'), [field]: value }, { union: true }),
    dryRun: { type: 'bool' },
  });

export const ROUTE_CASES: Readonly<Record<string, RouteCase>> = {
  'POST /v1/topics': {
    auth: 'resource',
    resourceInBody: true,
    body: obj({ name: str(RULES.name, { resource: true }), partitions: int(1, 256), config: { type: 'config' } }),
    bases: [() => ({ body: { name: 'fuzz-new-topic', partitions: 2, config: { 'retention.ms': '86400000' } } })],
  },
  'GET /v1/topics': { auth: 'none', bases: [() => ({})] },
  'GET /v1/topics/{topic}': { auth: 'resource', params: { topic }, bases: [(fx) => ({ params: { topic: fx.topics.a } })] },
  'GET /v1/topics/{topic}/offsets': { auth: 'resource', params: { topic }, bases: [(fx) => ({ params: { topic: fx.topics.a } })] },
  'DELETE /v1/topics/{topic}': { auth: 'resource', params: { topic }, bases: [(fx) => ({ params: { topic: fx.topics.b } })] },
  'PATCH /v1/topics/{topic}': {
    auth: 'resource',
    params: { topic },
    body: obj({ config: { type: 'config', nullable: true } }),
    bases: [(fx) => ({ params: { topic: fx.topics.a }, body: { config: { 'retention.ms': '86400000', 'compression.type': null } } })],
  },
  'POST /v1/topics/{topic}/partitions': {
    auth: 'resource',
    params: { topic },
    // The fixtures' topics have 2 partitions; 3 is a valid raise (the check sends only invalid mutations of it).
    body: obj({ count: int(1, 256) }),
    bases: [(fx) => ({ params: { topic: fx.topics.a }, body: { count: 3 } })],
  },
  'POST /v1/topics/{topic}/records': {
    auth: 'resource',
    params: { topic },
    // The base with a header map is described with a map (see `bodyFor`).
    body: produceBody(record(headerList)),
    bases: [
      (fx) => ({ params: { topic: fx.topics.a }, body: { records: [{ key: 'k', value: 'v', headers: [{ key: 'h', value: 'x' }], partition: 0 }] } }),
      (fx) => ({ params: { topic: fx.topics.a }, body: { encoding: 'base64', records: [{ key: b64('k'), value: b64('v'), headers: { h: b64('x') } }] } }),
      (fx) => ({
        params: { topic: fx.topics.a },
        body: { producer: { id: fx.producer.id, epoch: fx.producer.epoch, sequences: { '0': fx.producer.nextSequence } }, records: [{ value: 'v', partition: 0 }] },
      }),
      (fx) => ({ params: { topic: fx.topics.a }, body: { expectedOffset: fx.highWatermarkA1, records: [{ value: 'v', partition: 1 }] } }),
    ],
  },
  'GET /v1/topics/{topic}/partitions/{partition}/records': {
    auth: 'resource',
    params: { topic, partition },
    query: {
      offset: { kind: 'int', min: 0, max: MAX_SAFE },
      maxRecords: { kind: 'int', min: 1, max: 10_000 },
      maxBytes: { kind: 'int', min: 1, max: 4_194_304 },
      waitMs: { kind: 'int', min: 0, max: 20_000 },
      encoding: { kind: 'enum', values: ['base64', 'utf8'] },
      // Live reads (server-sent events); a valid value opens a stream, so only invalid ones are drawn.
      live: { kind: 'enum', values: ['sse'] },
    },
    bases: [(fx) => ({ params: { topic: fx.topics.a, partition: '1' }, query: { offset: '0', maxRecords: '5' } })],
  },
  'GET /v1/topics/{topic}/partitions/{partition}/offsets': {
    auth: 'resource',
    params: { topic, partition },
    query: { timestamp: { kind: 'int', min: 0, max: MAX_TIMESTAMP } },
    bases: [(fx) => ({ params: { topic: fx.topics.a, partition: '0' } }), (fx) => ({ params: { topic: fx.topics.b, partition: '1' }, query: { timestamp: '0' } })],
  },
  // Topic b's partition 1: the trims a mutation makes (-1 empties the partition) leave the other cases' fixtures alone.
  'POST /v1/topics/{topic}/partitions/{partition}/trim': {
    auth: 'resource',
    params: { topic, partition },
    body: obj({ offset: int(-1, MAX_SAFE) }),
    bases: [(fx) => ({ params: { topic: fx.topics.b, partition: '1' }, body: { offset: 0 } })],
  },
  'POST /v1/producers': {
    auth: 'cluster',
    bodyOptional: true,
    body: obj({ name: str(RULES.name) }),
    bases: [() => ({ body: { name: 'fuzz-new-producer' } })],
  },
  'POST /v1/groups/{group}/members': {
    auth: 'resource',
    params: { group },
    body: obj({
      topics: arr(str(RULES.name), 1, 100),
      sessionTimeoutMs: int(1_000, 300_000),
      assignor: oneOf('sticky', 'range', 'roundrobin'),
      resetPolicy: oneOf('earliest', 'latest'),
      clientId: str(RULES.clientId),
    }),
    bases: [(fx) => ({ params: { group: fx.liveGroup }, body: { topics: [fx.topics.a], sessionTimeoutMs: 30_000, assignor: 'sticky', resetPolicy: 'earliest', clientId: 'fuzz-joiner' } })],
  },
  'POST /v1/groups/{group}/members/{member}/heartbeat': {
    auth: 'resource',
    params: { group, member },
    bases: [(fx) => ({ params: { group: fx.liveGroup, member: fx.memberId } })],
  },
  'DELETE /v1/groups/{group}/members/{member}': {
    auth: 'resource',
    params: { group, member },
    bases: [(fx) => ({ params: { group: fx.liveGroup, member: fx.memberId } })],
  },
  'POST /v1/groups/{group}/offsets': {
    auth: 'resource',
    params: { group },
    body: obj({
      memberId: str(RULES.token128),
      generation: int(0),
      offsets: arr(obj({ topic: str(RULES.name), partition: int(0), offset: int(0, MAX_SAFE), metadata: str(RULES.metadata) }), 1, 98),
    }),
    // Offset 4 differs from the committed 2, so a commit that got through shows in the state.
    bases: [(fx) => ({ params: { group: fx.liveGroup }, body: { memberId: fx.memberId, generation: fx.generation, offsets: [{ topic: fx.topics.a, partition: 0, offset: 4, metadata: 'fuzz' }] } })],
  },
  'GET /v1/groups/{group}/offsets': {
    auth: 'resource',
    params: { group },
    query: { topic: { kind: 'string', rule: RULES.name } },
    bases: [(fx) => ({ params: { group: fx.liveGroup }, query: { topic: fx.topics.a } })],
  },
  'GET /v1/groups': { auth: 'none', bases: [() => ({})] },
  'GET /v1/groups/{group}': { auth: 'resource', params: { group }, bases: [(fx) => ({ params: { group: fx.liveGroup } }), (fx) => ({ params: { group: fx.pushGroup } })] },
  // The administration routes aim at the live group: a valid request is a 409 there, so nothing a mutation could let through changes it.
  'DELETE /v1/groups/{group}': { auth: 'resource', params: { group }, bases: [(fx) => ({ params: { group: fx.liveGroup } })] },
  'POST /v1/groups/{group}/reset-offsets': {
    auth: 'resource',
    params: { group },
    // The base with a time is described with the timestamp target (see `bodyFor`).
    body: resetBody('offset', int(0, MAX_SAFE)),
    bases: [
      (fx) => ({ params: { group: fx.liveGroup }, body: { topic: fx.topics.a, partitions: [0, 1], to: { type: 'offset', offset: 1 }, dryRun: false } }),
      (fx) => ({ params: { group: fx.liveGroup }, body: { topic: fx.topics.a, to: { type: 'timestamp', timestamp: 0 } } }),
    ],
  },
  'DELETE /v1/groups/{group}/offsets/{topic}': { auth: 'resource', params: { group, topic }, bases: [(fx) => ({ params: { group: fx.liveGroup, topic: fx.topics.a } })] },
  'PUT /v1/groups/{group}/subscription': {
    auth: 'resource',
    params: { group },
    body: obj({
      topic: str(RULES.name),
      target: obj({ type: oneOf('https', 'lambda'), url: { type: 'url' }, functionArn: { type: 'arn' } }, { union: true }),
      secret: str(RULES.secret),
      batchSize: int(1, 10_000),
      batchingWindowMs: int(0, 20_000),
      retryAttempts: int(0, 10_000),
      maxRecordAgeSeconds: int(-1, 604_800, { gaps: [{ value: 0, limit: 60 }, { value: 59, limit: 60 }] }),
      bisectOnError: { type: 'bool' },
      deadLetterTopic: str(RULES.name),
      resetPolicy: oneOf('earliest', 'latest'),
    }),
    // batchSize 7 differs from the fixture's, so a replacement that got through shows in the state.
    bases: [
      (fx) => ({
        params: { group: fx.pushGroup },
        body: {
          topic: fx.topics.a,
          target: { type: 'https', url: fx.pushUrl },
          secret: 'fuzz-secret-0123456789',
          batchSize: 7,
          batchingWindowMs: 0,
          retryAttempts: 3,
          maxRecordAgeSeconds: 3600,
          bisectOnError: true,
          deadLetterTopic: fx.topics.deadLetter,
          resetPolicy: 'earliest',
        },
      }),
    ],
  },
  'GET /v1/groups/{group}/subscription': { auth: 'resource', params: { group }, bases: [(fx) => ({ params: { group: fx.pushGroup } })] },
  'DELETE /v1/groups/{group}/subscription': { auth: 'resource', params: { group }, bases: [(fx) => ({ params: { group: fx.pushGroup } })] },
  'POST /v1/acls': {
    auth: 'cluster',
    body: obj({
      principal: str(RULES.principal),
      resourceType: oneOf('TOPIC', 'GROUP', 'CLUSTER'),
      patternType: oneOf('LITERAL', 'PREFIXED'),
      resourceName: str(RULES.resourceName),
      operation: oneOf('READ', 'WRITE', 'CREATE', 'DELETE', 'DESCRIBE', 'ALTER', 'ALL'),
      permission: oneOf('ALLOW', 'DENY'),
    }),
    bases: [(fx) => ({ body: { principal: 'carol', resourceType: 'TOPIC', patternType: 'LITERAL', resourceName: fx.topics.a, operation: 'READ', permission: 'ALLOW' } })],
  },
  'GET /v1/acls': { auth: 'cluster', bases: [() => ({})] },
  'DELETE /v1/acls/{rule}': { auth: 'cluster', params: { rule: member }, bases: [(fx) => ({ params: { rule: fx.ruleId } })] },
  // 2048 differs from the fixture quota, so a change that got through shows in the state.
  'PUT /v1/quotas': {
    auth: 'cluster',
    body: obj({ principal: str(RULES.principal), produceBytesPerSecond: byteRate, fetchBytesPerSecond: byteRate }),
    bases: [() => ({ body: { principal: 'alice', produceBytesPerSecond: 2048, fetchBytesPerSecond: null } })],
  },
  'GET /v1/quotas': { auth: 'cluster', bases: [() => ({})] },
  // The Durable Streams protocol: every method of a stream path, its headers and query values (test/fuzz/durable-streams.ts).
  'ANY /ds/{proxy+}': { auth: 'resource', bases: DS_BASES, families: dsMutationFamilies },
};

/** Every HTTP route the platform serves, from infra/platform-spec.ts. */
export function platformRoutes(): { method: string; path: string }[] {
  return FUNCTIONS.flatMap((fn) => (fn.routes ?? []).map((r) => ({ method: r.method, path: r.path })));
}

export const routeKey = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

/** Routes the platform serves that the table has no case for, and cases for routes it no longer serves. */
export function coverageGaps(routes = platformRoutes()): { missing: string[]; stale: string[] } {
  const served = new Set(routes.map(routeKey));
  return {
    missing: [...served].filter((key) => !(key in ROUTE_CASES)),
    stale: Object.keys(ROUTE_CASES).filter((key) => !served.has(key)),
  };
}

/** A produce base with a header map uses the record shape with a map; the others a list. A reset base to a time uses the timestamp target. */
export function bodyFor(key: string, baseBody: unknown): Spec | undefined {
  const spec = ROUTE_CASES[key]?.body;
  if (key === 'POST /v1/groups/{group}/reset-offsets' && (baseBody as { to?: { type?: string } }).to?.type === 'timestamp') return resetBody('timestamp', int(0, MAX_TIMESTAMP));
  if (key !== 'POST /v1/topics/{topic}/records' || !spec) return spec;
  const records = (baseBody as { records?: { headers?: unknown }[] }).records ?? [];
  return Array.isArray(records[0]?.headers) || records[0]?.headers === undefined ? spec : produceBody(record(headerMap));
}

export type { QuerySpec };
