import fc from 'fast-check';
import { LIMITS } from '../../lib/protocol/limits';
import type { Draft } from './request';
import type { Expect, Mutation, Scope } from './mutations';
import type { Base, Fixtures } from './routes';

/**
 * The Durable Streams route (`ANY /ds/{proxy+}`) in the fuzz table: its inputs are a
 * stream path, headers (Content-Type, Stream-TTL, Stream-Expires-At, Stream-Seq,
 * Stream-Closed, Producer-Id/Epoch/Seq, Stream-Forked-From, Stream-Fork-Offset,
 * Stream-Fork-Sub-Offset), query values (offset, live, cursor) and raw bodies, which
 * the JSON description language of spec.ts does not cover, so the route builds its
 * own mutation families here. Each base is a valid request against the fixtures'
 * streams (test/fuzz/fixtures.ts); each mutation makes it invalid by construction
 * and says what the protocol answers (docs/design.md, "Durable Streams").
 */

/** Which of the route's requests a base is (its families differ). */
type Variant = 'create' | 'fork' | 'append' | 'append-bytes' | 'read' | 'long-poll' | 'sse' | 'head' | 'delete';

interface DsBase extends Base {
  readonly variant: Variant;
}

const JSON_TYPE = 'application/json';
const base = (variant: Variant, method: string, stream: string, rest: Omit<Base, 'method' | 'rawParams'> = {}): DsBase => ({ variant, method, rawParams: { 'proxy+': stream }, ...rest });

/** Valid requests: idempotent creates of existing streams (200), appends, reads that answer at once, HEAD, DELETE. */
export const DS_BASES: readonly ((fx: Fixtures) => DsBase)[] = [
  (fx) => base('create', 'PUT', fx.streams.json, { headers: { 'content-type': JSON_TYPE } }),
  (fx) => base('fork', 'PUT', fx.streams.fork, { headers: { 'stream-forked-from': `/ds/${fx.streams.json}` } }),
  (fx) => base('append', 'POST', fx.streams.json, { headers: { 'content-type': JSON_TYPE }, rawBody: '[{"fuzz":1}]' }),
  (fx) => base('append-bytes', 'POST', fx.streams.bytes, { headers: { 'content-type': 'application/octet-stream' }, rawBody: 'fuzz' }),
  (fx) => base('read', 'GET', fx.streams.json, { query: { offset: '-1' } }),
  // Data at the offset: a long-poll answers at once.
  (fx) => base('long-poll', 'GET', fx.streams.json, { query: { offset: '0000000000000000', live: 'long-poll' } }),
  // A closed stream: the events end after the control event that says so.
  (fx) => base('sse', 'GET', fx.streams.closed, { query: { offset: '-1', live: 'sse' } }),
  (fx) => base('head', 'HEAD', fx.streams.json),
  (fx) => base('delete', 'DELETE', fx.streams.doomed),
];

/** The fixtures' streams (paths after /ds/). */
export const DS_STREAMS = { json: 'fuzz/streams/json', bytes: 'fuzz/streams/bytes', closed: 'fuzz/streams/closed', fork: 'fuzz/streams/fork', doomed: 'fuzz/streams/doomed' } as const;

/** The fixtures' producer on the JSON stream is at epoch 1 (its sequence 0 taken); its writer sequence is `fuzz-5`. */
export const DS_FIXTURE_PRODUCER = { id: 'fuzz-writer', epoch: 1 };
export const DS_FIXTURE_WRITER_SEQ = 'fuzz-5';

const BAD_REQUEST = [400] as const;

function mutation(scope: Scope, label: string, apply: (draft: Draft) => void, expect: Expect, extra: { beforeAuth?: boolean } = {}): Mutation {
  return { scope, resource: scope === 'path', label, apply, expect, ...extra };
}

const setHeader = (name: string, value: string) => (draft: Draft) => {
  draft.headers[name] = value;
};
const setHeaders = (values: Record<string, string>) => (draft: Draft) => {
  Object.assign(draft.headers, values);
};
const setQuery = (name: string, ...values: string[]) => (draft: Draft) => {
  draft.query = [...draft.query.filter(([k]) => k !== name), ...values.map((v): [string, string] => [name, v])];
};
const setBody = (bytes: Buffer) => (draft: Draft) => {
  draft.body = { bytes };
};

/** Values of a header the protocol refuses: a 400 naming it. */
function badHeader(name: string, field: string, values: readonly string[], extra: Partial<Expect> = {}): fc.Arbitrary<Mutation> {
  return fc.constantFrom(...values).map((value) => mutation('header', `${field}: ${JSON.stringify(value)}`, setHeader(name, value), { status: BAD_REQUEST, field, ...extra }));
}

const BAD_TTLS = ['-1', '01', '1.5', '1e3', 'abc', '', '99999999999999999999', '0x10', '+5', '60s', '½'];
const BAD_EXPIRES = ['tomorrow', '2024-13-01T00:00:00Z', '2024-01-01', '1700000000', '2024-01-01T00:00:00', '2024-02-30T25:61:00Z', '275760-09-13T00:00:00Z', ''];
const BAD_CONTENT_TYPES = ['nonsense', 'text', '/', 'a/b/c', 'text/ plain', '', 'application/json/', '*/ *', 'tëxt/plain'];
const BAD_OFFSETS = ['abc', '', '1', '-2', '00000000000000000', '000000000000000x', 'NOW', '9999999999999999', ' -1', '+1', '1e3', '0000000000000000 ', '-0'];
const BAD_FORK_OFFSETS = ['abc', '-1', '1', '00000000000000001', '0x10', '', '0000000000000000_1', '9999999999999999'];
const BAD_NUMBERS = ['-1', '01', 'x', '1.5', '9007199254740992', '', '+1', '1e3'];
const BAD_STREAM_PATHS = ['', '/', '/ds/', '/ds/a//b', '/ds/%zz', '/ds/..', '/ds/a/./b', `/ds/${'x'.repeat(201)}`, '/ds/%ED%A0%80'];
/** Stream paths (after /ds/, raw on the wire) that are no stream path: 400 naming `path`. */
const BAD_PATHS: [string, number | undefined][] = [
  ['%', undefined],
  ['%G1', undefined],
  ['a%2', undefined],
  ['%E0%A4', undefined],
  ['%ED%A0%80', undefined],
  ['%C0%AF', undefined],
  ['%FF', undefined],
  ['a//b', undefined],
  ['a/', undefined],
  ['.', undefined],
  ['..', undefined],
  ['a/./b', undefined],
  ['a/../b', undefined],
  ['%2e%2e', undefined],
  ['a/%2E', undefined],
  ['x'.repeat(201), 200],
  [`${'x'.repeat(100)}/${'y'.repeat(100)}`, 200],
];
// (A leading byte order mark is no error: RFC 8259 lets a parser ignore it, and the handler does.)
const INVALID_JSON = ['{', '[{"fuzz":1}', 'nul', '{"a":01}', "{'a':1}", '[1,]', '\u0000', 'NaN', '{"a":"\\x"}', '[{"fuzz":1}]x'];

/** Every family of mutations of one base of the Durable Streams route. */
export function dsMutationFamilies(shape: Base): fc.Arbitrary<Mutation>[] {
  const { variant } = shape as DsBase;
  const head = variant === 'head';
  // A HEAD answer has no body: its status is all a mutation of it can be checked by.
  const families = common(variant).map((family) => (head ? family.map((m) => (m.scope === 'method' ? m : { ...m, expect: { ...m.expect, noBody: true } })) : family));
  switch (variant) {
    case 'create':
      families.push(...settingsFamilies(), ...createBodyFamilies());
      families.push(badHeader('stream-fork-offset', 'Stream-Fork-Offset', ['0000000000000000']), badHeader('stream-fork-sub-offset', 'Stream-Fork-Sub-Offset', ['0']));
      families.push(
        fc
          .constantFrom<Record<string, string>>({ 'content-type': 'text/plain' }, { 'stream-ttl': '60' }, { 'stream-expires-at': '2999-01-01T00:00:00Z' }, { 'stream-closed': 'true' })
          .map((values) => mutation('header', `settings unlike the stream's: ${JSON.stringify(values)}`, setHeaders(values), { status: [409], code: 'STREAM_EXISTS' })),
      );
      break;
    case 'fork':
      families.push(
        badHeader('stream-forked-from', 'Stream-Forked-From', BAD_STREAM_PATHS),
        badHeader('stream-fork-offset', 'Stream-Fork-Offset', BAD_FORK_OFFSETS),
        badHeader('stream-fork-sub-offset', 'Stream-Fork-Sub-Offset', BAD_NUMBERS),
        ...settingsFamilies(),
        // The fork exists with another origin.
        fc.constantFrom(`/ds/${DS_STREAMS.bytes}`, '/ds/fuzz/streams/nope', DS_STREAMS.closed).map((source) =>
          mutation('header', `another source ${source}`, setHeader('stream-forked-from', source), { status: [409], code: 'STREAM_EXISTS' }),
        ),
      );
      break;
    case 'append':
      families.push(...appendBodyFamilies(true), ...producerFamilies());
      families.push(
        badHeader('content-type', 'Content-Type', BAD_CONTENT_TYPES.filter((t) => t !== '')),
        fc.constantFrom('text/plain', 'application/octet-stream', 'application/jsonx', 'text/json').map((type) =>
          mutation('header', `Content-Type ${type}, not the stream's`, setHeader('content-type', type), { status: [409], code: 'CONTENT_TYPE_MISMATCH' }),
        ),
        fc.constantFrom('', 'a', 'fuzz-0', 'fuzz-4', DS_FIXTURE_WRITER_SEQ).map((seq) =>
          mutation('header', `Stream-Seq ${JSON.stringify(seq)}, not past the stream's`, setHeader('stream-seq', seq), { status: [409], code: 'STREAM_SEQ_REGRESSION' }),
        ),
        fc.constant(mutation('path', 'a closed stream', (draft) => void (draft.rawParams['proxy+'] = DS_STREAMS.closed), { status: [409], code: 'STREAM_CLOSED' })),
      );
      break;
    case 'append-bytes':
      families.push(
        ...appendBodyFamilies(false),
        fc.constantFrom(JSON_TYPE, 'text/plain', 'application/x-octet-stream').map((type) =>
          mutation('header', `Content-Type ${type}, not the stream's`, setHeader('content-type', type), { status: [409], code: 'CONTENT_TYPE_MISMATCH' }),
        ),
      );
      break;
    case 'read':
    case 'long-poll':
    case 'sse':
      families.push(...readFamilies(variant));
      break;
    case 'head':
    case 'delete':
      break;
  }
  return families;
}

/** Every base: stream paths that are none, streams that do not exist, methods the protocol has not, the base path alone. */
function common(variant: Variant): fc.Arbitrary<Mutation>[] {
  const families: fc.Arbitrary<Mutation>[] = [
    fc.constantFrom(...BAD_PATHS).map(([segment, limit]) =>
      mutation('path', `stream path ${segment.length > 40 ? `${segment.slice(0, 20)}… (${segment.length} chars)` : segment}`, (draft) => void (draft.rawParams['proxy+'] = segment), {
        status: BAD_REQUEST,
        field: 'path',
        ...(limit === undefined ? {} : { limit }),
      }),
    ),
    fc.constantFrom('PATCH', 'OPTIONS').map((method) => mutation('method', `method ${method}`, (draft) => void (draft.method = method), { status: [405], code: 'METHOD_NOT_ALLOWED' })),
    fc.constantFrom('/ds', '/ds/').map((path) => mutation('route', `unknown path: ${path}`, (draft) => void (draft.rawPath = path), { status: [404], code: 'ROUTE_NOT_FOUND' })),
  ];
  // A create makes what does not exist; every other method answers 404 there.
  if (variant !== 'create' && variant !== 'fork') {
    families.push(
      fc.constantFrom('fuzz/streams/nope', 'fuzz/nope/deeper', 'fuzz%2Fstreams%2Fjson', 'fuzz/streams/JSON', 'fuzz/streams/json/x').map((segment) =>
        mutation('path', `no such stream ${segment}`, (draft) => void (draft.rawParams['proxy+'] = segment), { status: [404], code: 'STREAM_NOT_FOUND' }),
      ),
    );
  }
  return families;
}

/** A create's (or fork's) settings headers. */
function settingsFamilies(): fc.Arbitrary<Mutation>[] {
  return [
    badHeader('stream-ttl', 'Stream-TTL', BAD_TTLS),
    badHeader('stream-expires-at', 'Stream-Expires-At', BAD_EXPIRES),
    badHeader('content-type', 'Content-Type', BAD_CONTENT_TYPES.filter((t) => t !== '')),
    fc.constant(mutation('header', 'Stream-TTL and Stream-Expires-At both', setHeaders({ 'stream-ttl': '60', 'stream-expires-at': '2999-01-01T00:00:00Z' }), { status: BAD_REQUEST, field: 'Stream-TTL' })),
  ];
}

/** Bodies past the API's limit (refused before authorization, as on every route) and one JSON message past a record's. */
function sizeFamilies(json: boolean): fc.Arbitrary<Mutation>[] {
  const families = [
    fc.constant(
      mutation('body', `a body past ${LIMITS.requestBodyMaxBytes} bytes`, setBody(Buffer.alloc(LIMITS.requestBodyMaxBytes + 1, json ? 0x20 : 0x61)), { status: [413], code: 'PAYLOAD_TOO_LARGE', field: 'body', limit: LIMITS.requestBodyMaxBytes }, { beforeAuth: true }),
    ),
  ];
  if (json) {
    families.push(
      fc.constant(
        mutation('body', `a JSON message past ${LIMITS.recordValueMaxBytes} bytes`, setBody(Buffer.from(JSON.stringify(['x'.repeat(LIMITS.recordValueMaxBytes)]))), {
          status: BAD_REQUEST,
          field: 'body',
          limit: LIMITS.recordValueMaxBytes,
        }),
      ),
    );
  }
  return families;
}

const invalidJson = (): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.constantFrom(...INVALID_JSON).map((text) => mutation('body', `invalid JSON ${JSON.stringify(text)}`, setBody(Buffer.from(text)), { status: BAD_REQUEST, field: 'body' })),
    // Bytes that are not UTF-8 and not JSON once decoded. A text body (JSON's included) reaches the handler as API
    // Gateway's UTF-8 string, invalid sequences already U+FFFD, so `["<ED A0 80>"]` is a valid message by then.
    fc.constantFrom([0xff], [0xc0, 0xaf], [0xfe, 0xff, 0x00, 0x5b], [0x5b, 0xed, 0xa0, 0x80, 0x5d]).map((bytes) =>
      mutation('body', `not UTF-8 ${Buffer.from(bytes).toString('hex')}`, setBody(Buffer.from(bytes)), { status: BAD_REQUEST, field: 'body' }),
    ),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).filter((bytes) => !isJson(bytes)).map((bytes) => mutation('body', `junk bytes (${bytes.length})`, setBody(Buffer.from(bytes)), { status: BAD_REQUEST, field: 'body' })),
  );

/** Whether bytes are JSON as the handler sees them (decoded as API Gateway decodes a text body: invalid sequences as U+FFFD). */
function isJson(bytes: Uint8Array): boolean {
  try {
    JSON.parse(new TextDecoder('utf-8').decode(bytes));
    return true;
  } catch {
    return false;
  }
}

/** A create's body on the JSON stream: parsed after authorization. */
function createBodyFamilies(): fc.Arbitrary<Mutation>[] {
  return [invalidJson(), ...sizeFamilies(true)];
}

function appendBodyFamilies(json: boolean): fc.Arbitrary<Mutation>[] {
  const families = [
    ...sizeFamilies(json),
    // Whether there is a body at all is checked with the headers, before authorization.
    fc.constant(mutation('body', 'no body (and no Stream-Closed)', setBody(Buffer.alloc(0)), { status: BAD_REQUEST, field: 'body' }, { beforeAuth: true })),
    fc.constant(mutation('header', 'no Content-Type on a body', (draft) => void delete draft.headers['content-type'], { status: BAD_REQUEST, field: 'Content-Type' })),
  ];
  if (json) families.push(invalidJson(), fc.constantFrom('[]', ' [ ] ').map((text) => mutation('body', `an empty JSON array ${JSON.stringify(text)}`, setBody(Buffer.from(text)), { status: BAD_REQUEST, field: 'body' })));
  return families;
}

/** The protocol's idempotent producer: all three headers or none, each well formed, the epoch current, the sequence next. */
function producerFamilies(): fc.Arbitrary<Mutation>[] {
  const valid = { 'producer-id': 'fuzz-new-writer', 'producer-epoch': '0', 'producer-seq': '0' };
  const { id, epoch } = DS_FIXTURE_PRODUCER;
  return [
    fc.constantFrom<Record<string, string>>({ 'producer-id': 'p' }, { 'producer-epoch': '0' }, { 'producer-seq': '0' }, { 'producer-id': 'p', 'producer-epoch': '0' }, { 'producer-epoch': '0', 'producer-seq': '0' }).map((values) =>
      mutation('header', `producer headers ${Object.keys(values).join(', ')} only`, setHeaders(values), { status: BAD_REQUEST, field: 'Producer-Id' }),
    ),
    fc.constantFrom('', ' ', 'x'.repeat(257)).map((value) =>
      mutation('header', `Producer-Id ${value.length > 40 ? `(${value.length} chars)` : JSON.stringify(value)}`, setHeaders({ ...valid, 'producer-id': value }), { status: BAD_REQUEST, field: 'Producer-Id', ...(value.length > 256 ? { limit: 256 } : {}) }),
    ),
    fc.constantFrom(...BAD_NUMBERS).map((value) => mutation('header', `Producer-Epoch ${JSON.stringify(value)}`, setHeaders({ ...valid, 'producer-epoch': value }), { status: BAD_REQUEST, field: 'Producer-Epoch' })),
    fc.constantFrom(...BAD_NUMBERS).map((value) => mutation('header', `Producer-Seq ${JSON.stringify(value)}`, setHeaders({ ...valid, 'producer-seq': value }), { status: BAD_REQUEST, field: 'Producer-Seq' })),
    fc.constant(
      mutation('header', `Producer-Epoch below the producer's ${epoch}`, setHeaders({ 'producer-id': id, 'producer-epoch': String(epoch - 1), 'producer-seq': '0' }), {
        status: [403],
        code: 'PRODUCER_EPOCH_STALE',
        field: 'Producer-Epoch',
      }),
    ),
    fc.integer({ min: 2, max: 1000 }).map((seq) =>
      mutation('header', `Producer-Seq ${seq}, past the producer's next`, setHeaders({ 'producer-id': id, 'producer-epoch': String(epoch), 'producer-seq': String(seq) }), {
        status: [409],
        code: 'PRODUCER_SEQUENCE_GAP',
        field: 'Producer-Seq',
      }),
    ),
    // A producer the stream has never seen starts at sequence 0.
    fc.integer({ min: 1, max: 1000 }).map((seq) => mutation('header', `a new producer starting at Producer-Seq ${seq}`, setHeaders({ ...valid, 'producer-seq': String(seq) }), { status: [400, 409], field: 'Producer-Seq' })),
  ];
}

/** A read's query: offset and live are checked, a cursor and unknown parameters are the client's own and ignored. */
function readFamilies(variant: 'read' | 'long-poll' | 'sse'): fc.Arbitrary<Mutation>[] {
  const ok = variant === 'long-poll' ? [200, 204] : [200];
  const families = [
    fc.constantFrom(...BAD_OFFSETS).map((value) => mutation('query', `offset ${JSON.stringify(value)}`, setQuery('offset', value), { status: BAD_REQUEST, field: 'offset' })),
    fc.constant(mutation('query', 'offset given twice', setQuery('offset', '-1', '-1'), { status: BAD_REQUEST, field: 'offset' })),
    fc.constantFrom('sse2', 'longpoll', 'LONG-POLL', 'SSE', '', 'true', '1', 'long-poll,sse').map((value) => mutation('query', `live ${JSON.stringify(value)}`, setQuery('live', value), { status: BAD_REQUEST, field: 'live' })),
    fc.constantFrom('long-poll', 'sse').map((live) =>
      mutation('query', `live=${live} without an offset`, (draft) => void (draft.query = [...draft.query.filter(([k]) => k !== 'offset' && k !== 'live'), ['live', live]]), { status: BAD_REQUEST, field: 'offset' }),
    ),
    fc.constantFrom('', 'zzz', '-5', '99999999999999999999', '1e9', '\u0000', '\ud800', 'é', '0'.repeat(400)).map((value) =>
      mutation('query', `cursor ${JSON.stringify(value.slice(0, 20))}`, setQuery('cursor', value), { status: BAD_REQUEST, tolerated: ok }),
    ),
  ];
  if (variant === 'read') {
    families.push(
      fc.constantFrom('limit', 'callback', 'constructor', '__proto__', 'offset[]').map((name) => mutation('query', `unknown parameter ${name}`, setQuery(name, '1'), { status: BAD_REQUEST, tolerated: ok })),
      fc.constantFrom('"', 'W/', '*', '"x"'.repeat(2000), '\u00ff').map((value) =>
        mutation('header', `If-None-Match ${JSON.stringify(value.slice(0, 12))}`, setHeader('if-none-match', value), { status: BAD_REQUEST, tolerated: [200, 304] }),
      ),
    );
  }
  return families;
}
