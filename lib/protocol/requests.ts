import * as z from 'zod/mini';
import { LIMITS } from './limits';
import {
  clientIdSchema,
  groupNameSchema,
  headerKeySchema,
  IDENTIFIER_LIMITS,
  isWellFormed,
  memberIdSchema,
  principalSchema,
  producerNameSchema,
  ruleIdSchema,
  targetUrlSchema,
  topicNameSchema,
} from './identifiers';
import { topicConfigChangeSchema, topicConfigSchema } from './topic-config';

export { groupNameSchema, memberIdSchema, ruleIdSchema, topicNameSchema };

/**
 * Objects refuse keys they do not know (a misspelled field is a 400 naming it, not a
 * default silently applied).
 */
const object = z.strictObject;

/** Request shapes of the v1 HTTP API (docs/http-api.md). */
export const createTopicRequestSchema = object({
  name: topicNameSchema,
  partitions: z._default(
    z.number({ error: 'must be an integer' }).check(
      z.gte(1, { error: 'must be at least 1' }),
      z.lte(LIMITS.partitionsMax, { error: `must be at most ${LIMITS.partitionsMax}` }),
      z.int({ error: 'must be an integer' }),
    ),
    1,
  ),
  config: z._default(topicConfigSchema, {}),
});

/** `PATCH /v1/topics/{topic}`: each key set to a value (validated as at create) or removed with null. */
export const alterTopicConfigRequestSchema = object({
  config: topicConfigChangeSchema,
});
export type AlterTopicConfigRequest = z.infer<typeof alterTopicConfigRequestSchema>;

/**
 * `POST /v1/topics/{topic}/partitions`: the new total, as Kafka's CreatePartitions takes it.
 * Only the platform limit is checked here; more than the current count is checked
 * against the stored topic (lib/topics/topic-service.ts).
 */
export const createPartitionsRequestSchema = object({
  count: z.number({ error: 'must be an integer' }).check(
    z.gte(1, { error: 'must be at least 1' }),
    z.lte(LIMITS.partitionsMax, { error: `must be at most ${LIMITS.partitionsMax}` }),
    z.int({ error: 'must be an integer' }),
  ),
});
export type CreatePartitionsRequest = z.infer<typeof createPartitionsRequestSchema>;

export const encodingSchema = z.enum(['utf8', 'base64'], { error: 'must be "utf8" or "base64"' });
export type Encoding = z.infer<typeof encodingSchema>;

/** Record text: well-formed, so that its UTF-8 bytes read back as the same string. */
const nullableText = z.nullable(
  z.string({ error: 'must be a string or null' }).check(z.refine((text) => isWellFormed(text), { error: 'must be well-formed Unicode (no lone surrogates)' })),
);

const headerListSchema = z
  .array(
    object({
      key: headerKeySchema,
      value: nullableText,
    }),
  )
  .check(z.maxLength(LIMITS.recordHeadersMax, { error: `must have at most ${LIMITS.recordHeadersMax} headers` }));

const headerMapSchema = z.pipe(
  z.pipe(
    z.record(headerKeySchema, nullableText),
    z.transform((map: Record<string, string | null>) => Object.entries(map).map(([key, value]) => ({ key, value }))),
  ),
  headerListSchema,
);

/** An integer from 0 to `max`; a number past either end names the limit it crossed. */
const nonNegativeInt = (max: number, what = 'an integer') =>
  z.number({ error: `must be ${what}` }).check(z.gte(0, { error: 'must be at least 0' }), z.lte(max, { error: `must be at most ${max}` }), z.int({ error: `must be ${what}` }));

export const produceRecordSchema = object({
  key: z.optional(nullableText),
  value: nullableText,
  headers: z.optional(z.union([headerListSchema, headerMapSchema], { error: 'must be a list of {key, value} or an object' })),
  partition: z.optional(nonNegativeInt(IDENTIFIER_LIMITS.partitionMax)),
  timestamp: z.optional(
    z.number({ error: 'must be milliseconds since the epoch' }).check(
      z.gte(0, { error: 'must be at least 0' }),
      z.lte(8_640_000_000_000_000, { error: 'must be a valid date' }),
      z.int({ error: 'must be an integer' }),
    ),
  ),
});


/** An idempotent producer's identity and per-partition base sequences (Kafka's producer id, epoch, sequence). */
export const producerClaimSchema = object({
  id: nonNegativeInt(Number.MAX_SAFE_INTEGER),
  epoch: nonNegativeInt(32767),
  sequences: z
    .record(z.string().check(z.regex(/^\d+$/, { error: 'keys must be partition numbers' })), nonNegativeInt(2 ** 31 - 1))
    .check(z.refine((s) => Object.keys(s).length > 0, { error: 'must give at least one partition' })),
});

export const produceRequestSchema = object({
  encoding: z._default(encodingSchema, 'utf8'),
  producer: z.optional(producerClaimSchema),
  /** Conditional append: commit only if the partition's high watermark equals this. */
  expectedOffset: z.optional(nonNegativeInt(Number.MAX_SAFE_INTEGER)),
  records: z
    .array(produceRecordSchema, { error: 'must be a list of records' })
    .check(
      z.minLength(1, { error: 'must hold at least 1 record' }),
      z.maxLength(LIMITS.produceRecordsMax, { error: `must hold at most ${LIMITS.produceRecordsMax} records` }),
    ),
});

export type ProduceRequest = z.infer<typeof produceRequestSchema>;

const PRODUCE_TIMESTAMP_MAX = 8_640_000_000_000_000;

/**
 * `produceRequestSchema`'s answer for the common body, checked by hand: an optional
 * `encoding` and `records` whose fields are only key, value, partition and timestamp, all
 * valid. Anything else (headers, a producer, expectedOffset, any problem) answers
 * undefined, and the schema decides and words the error, so answers stay the schema's. On
 * a 1,000-record call the schema's walk cost as much as JSON.parse; this is a tenth of it.
 * Never accepts what the schema refuses; the records are the input's own objects, which
 * then hold only the schema's keys.
 */
export function fastProduceRequest(input: unknown): ProduceRequest | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  let encoding: Encoding = 'utf8';
  let records: unknown;
  for (const name in input) {
    const field = (input as Record<string, unknown>)[name];
    if (name === 'records') records = field;
    else if (name === 'encoding' && (field === 'utf8' || field === 'base64')) encoding = field;
    else return undefined;
  }
  if (!Array.isArray(records) || records.length < 1 || records.length > LIMITS.produceRecordsMax) return undefined;
  for (let i = 0; i < records.length; i++) if (!isPlainRecord(records[i])) return undefined;
  return { encoding, records: records as ProduceRequest['records'] };
}

function isPlainRecord(record: unknown): boolean {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return false;
  let hasValue = false;
  for (const name in record) {
    const field = (record as Record<string, unknown>)[name];
    switch (name) {
      case 'key':
      case 'value':
        if (field !== null && !(typeof field === 'string' && isWellFormed(field))) return false;
        if (name === 'value') hasValue = true;
        break;
      case 'partition':
        if (!(Number.isSafeInteger(field) && (field as number) >= 0 && (field as number) <= IDENTIFIER_LIMITS.partitionMax)) return false;
        break;
      case 'timestamp':
        if (!(Number.isSafeInteger(field) && (field as number) >= 0 && (field as number) <= PRODUCE_TIMESTAMP_MAX)) return false;
        break;
      default:
        return false;
    }
  }
  return hasValue;
}

/** An integer query or path parameter from `min` to `max`; out of range names the limit (so `-1` is "at least 0", not "not a number"). */
const intParam = (min: number, max: number) =>
  z.pipe(
    z.pipe(z.string().check(z.regex(/^-?\d+$/, { error: 'must be an integer' })), z.transform(Number)),
    z.number().check(z.gte(min, { error: `must be at least ${min}` }), z.lte(max, { error: `must be at most ${max}` })),
  );

/** Routes without query parameters refuse any (a misspelled parameter is a 400, not ignored). */
export const noQuerySchema = object({});

/** Routes without a body accept none, or an empty JSON object. */
export const emptyBodySchema = object({});

export const fetchQuerySchema = object({
  offset: z.optional(intParam(0, Number.MAX_SAFE_INTEGER)),
  waitMs: z._default(intParam(0, LIMITS.fetchWaitMsMax), 0),
  maxRecords: z._default(intParam(1, LIMITS.fetchMaxRecordsMax), LIMITS.fetchMaxRecordsDefault),
  maxBytes: z._default(intParam(1, LIMITS.fetchMaxBytesMax), LIMITS.fetchMaxBytesDefault),
  encoding: z._default(encodingSchema, 'base64'),
  /**
   * `sse`: answer as a stream of server-sent events (lib/protocol/live.ts), as an `Accept:
   * text/event-stream` header asks too. Only where the platform can stream a response
   * (the local platform); API Gateway's HTTP API answers `501 STREAMING_NOT_SUPPORTED`.
   */
  live: z.optional(z.enum(['sse'], { error: 'must be "sse"' })),
});

/** A `Last-Event-ID` header of a live fetch: the `id` of the last event received, a `nextOffset`. */
export const lastEventIdSchema = intParam(0, Number.MAX_SAFE_INTEGER);

export const partitionParamSchema = intParam(0, IDENTIFIER_LIMITS.partitionMax);

/** The rule of every `{name}` in a route path; a route with a parameter not listed here fails its test. */
export const PATH_PARAMETERS = {
  topic: topicNameSchema,
  group: groupNameSchema,
  member: memberIdSchema,
  rule: ruleIdSchema,
  partition: partitionParamSchema,
} as const;
export type PathParameter = keyof typeof PATH_PARAMETERS;

export const offsetsQuerySchema = object({
  timestamp: z.optional(intParam(0, 8_640_000_000_000_000)),
});

/**
 * `POST /v1/topics/{topic}/partitions/{p}/trim`: Kafka's DeleteRecords. Records below
 * `offset` leave the log; -1 stands for the high watermark (Kafka's value for it).
 */
export const trimRequestSchema = object({
  offset: z.number({ error: 'must be an integer' }).check(
    z.int({ error: 'must be an integer' }),
    z.gte(-1, { error: 'must be at least -1 (-1: the high watermark)' }),
    z.lte(Number.MAX_SAFE_INTEGER, { error: `must be at most ${Number.MAX_SAFE_INTEGER}` }),
  ),
});

export const initProducerRequestSchema = object({
  name: z.optional(producerNameSchema),
});

export const joinGroupRequestSchema = object({
  topics: z
    .array(topicNameSchema, { error: 'must be a list of topic names' })
    .check(z.minLength(1, { error: 'must name at least 1 topic' }), z.maxLength(100, { error: 'must name at most 100 topics' })),
  sessionTimeoutMs: z._default(
    z.number({ error: 'must be an integer' }).check(
      z.gte(LIMITS.sessionTimeoutMsMin, { error: `must be at least ${LIMITS.sessionTimeoutMsMin}` }),
      z.lte(LIMITS.sessionTimeoutMsMax, { error: `must be at most ${LIMITS.sessionTimeoutMsMax}` }),
      z.int({ error: 'must be an integer' }),
    ),
    LIMITS.sessionTimeoutMsDefault,
  ),
  assignor: z._default(z.enum(['sticky', 'range', 'roundrobin'], { error: 'must be "sticky", "range" or "roundrobin"' }), 'sticky'),
  resetPolicy: z._default(z.enum(['earliest', 'latest'], { error: 'must be "earliest" or "latest"' }), 'latest'),
  clientId: z.optional(clientIdSchema),
});

export const commitOffsetsRequestSchema = z
  .strictObject({
    memberId: z.optional(memberIdSchema),
    generation: z.optional(nonNegativeInt(2 ** 31 - 1)),
    offsets: z
      .array(
        object({
          topic: topicNameSchema,
          partition: nonNegativeInt(IDENTIFIER_LIMITS.partitionMax),
          offset: nonNegativeInt(Number.MAX_SAFE_INTEGER),
          metadata: z.optional(
            z.string({ error: 'must be a string' }).check(
              z.maxLength(1024, { error: 'must be at most 1024 characters' }),
              z.refine((text) => isWellFormed(text), { error: 'must be well-formed Unicode (no lone surrogates)' }),
            ),
          ),
        }),
      )
      .check(
        z.minLength(1, { error: 'must hold at least 1 offset' }),
        z.maxLength(LIMITS.offsetCommitsMax, { error: `must hold at most ${LIMITS.offsetCommitsMax} offsets` }),
      ),
  })
  .check(
    z.refine((r) => (r.memberId === undefined) === (r.generation === undefined), {
      error: 'memberId and generation go together: a member commits with both, a standalone consumer with neither',
      path: ['generation'],
    }),
  );

/**
 * Where `POST /v1/groups/{group}/reset-offsets` moves the group (kafka-consumer-groups'
 * `--to-earliest`, `--to-latest`, `--to-datetime`, `--to-offset`).
 */
export const resetTargetSchema = z.discriminatedUnion(
  'type',
  [
    object({ type: z.literal('earliest') }),
    object({ type: z.literal('latest') }),
    object({
      type: z.literal('timestamp'),
      timestamp: z.number({ error: 'must be milliseconds since the epoch' }).check(
        z.gte(0, { error: 'must be at least 0' }),
        z.lte(8_640_000_000_000_000, { error: 'must be a valid date' }),
        z.int({ error: 'must be an integer' }),
      ),
    }),
    object({ type: z.literal('offset'), offset: nonNegativeInt(Number.MAX_SAFE_INTEGER) }),
  ],
  { error: 'must be {"type":"earliest"}, {"type":"latest"}, {"type":"timestamp","timestamp":<ms>} or {"type":"offset","offset":<n>}' },
);
export type ResetTarget = z.infer<typeof resetTargetSchema>;

export const resetOffsetsRequestSchema = object({
  topic: topicNameSchema,
  /** Default: every partition of the topic. */
  partitions: z.optional(
    z
      .array(nonNegativeInt(IDENTIFIER_LIMITS.partitionMax), { error: 'must be a list of partition numbers' })
      .check(
        z.minLength(1, { error: 'must name at least 1 partition' }),
        z.maxLength(LIMITS.partitionsMax, { error: `must name at most ${LIMITS.partitionsMax} partitions` }),
      ),
  ),
  to: resetTargetSchema,
  /** Answer what would be set, writing nothing. */
  dryRun: z._default(z.boolean({ error: 'must be true or false' }), false),
});
export type ResetOffsetsRequest = z.input<typeof resetOffsetsRequestSchema>;

export const groupOffsetsQuerySchema = object({
  topic: z.optional(topicNameSchema),
});

export const subscriptionRequestSchema = object({
  topic: topicNameSchema,
  target: z.discriminatedUnion(
    'type',
    [
      object({ type: z.literal('https'), url: targetUrlSchema }),
      object({
        type: z.literal('lambda'),
        functionArn: z
          .string()
          .check(z.regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/, { error: 'must be a Lambda function ARN' })),
      }),
    ],
    { error: 'must be {"type":"https","url":…} or {"type":"lambda","functionArn":…}' },
  ),
  secret: z.optional(
    z.string({ error: 'must be a string' }).check(
      z.minLength(16, { error: 'must be at least 16 characters' }),
      z.maxLength(256, { error: 'must be at most 256 characters' }),
      z.regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' }),
    ),
  ),
  batchSize: z._default(
    z.number().check(z.gte(1, { error: 'must be at least 1' }), z.lte(10_000, { error: 'must be at most 10000' }), z.int({ error: 'must be an integer' })),
    100,
  ),
  batchingWindowMs: z._default(
    z.number().check(z.gte(0, { error: 'must be at least 0' }), z.lte(20_000, { error: 'must be at most 20000' }), z.int({ error: 'must be an integer' })),
    0,
  ),
  retryAttempts: z._default(
    z.number().check(z.gte(0, { error: 'must be at least 0' }), z.lte(10_000, { error: 'must be at most 10000' }), z.int({ error: 'must be an integer' })),
    10,
  ),
  maxRecordAgeSeconds: z._default(
    z.number().check(
      z.gte(-1, { error: 'must be -1 (no limit) or at least 60' }),
      z.lte(604_800, { error: 'must be at most 604800' }),
      z.refine((n) => n === -1 || n >= 60, { error: 'must be -1 (no limit) or at least 60', params: { limit: 60 } }),
      z.int({ error: 'must be an integer' }),
    ),
    86_400,
  ),
  bisectOnError: z._default(z.boolean({ error: 'must be true or false' }), true),
  deadLetterTopic: z.optional(topicNameSchema),
  resetPolicy: z._default(z.enum(['earliest', 'latest'], { error: 'must be "earliest" or "latest"' }), 'latest'),
});

export const aclRuleRequestSchema = object({
  principal: principalSchema,
  resourceType: z.enum(['TOPIC', 'GROUP', 'CLUSTER'], { error: 'must be TOPIC, GROUP or CLUSTER' }),
  patternType: z._default(z.enum(['LITERAL', 'PREFIXED'], { error: 'must be LITERAL or PREFIXED' }), 'LITERAL'),
  // A name, a prefix of one, or `*` (every resource of the type).
  resourceName: z.string({ error: 'must be a string' }).check(
    z.minLength(1, { error: 'must not be empty' }),
    z.maxLength(IDENTIFIER_LIMITS.nameMaxLength, { error: `must be at most ${IDENTIFIER_LIMITS.nameMaxLength} characters` }),
    z.regex(/^(\*|[a-zA-Z0-9._-]+)$/, { error: 'may contain only ASCII letters, digits, ".", "_" and "-", or be "*"' }),
  ),
  operation: z.enum(['READ', 'WRITE', 'CREATE', 'DELETE', 'DESCRIBE', 'ALTER', 'ALTER_CONFIGS', 'ALL'], {
    error: 'must be READ, WRITE, CREATE, DELETE, DESCRIBE, ALTER, ALTER_CONFIGS or ALL',
  }),
  permission: z.enum(['ALLOW', 'DENY'], { error: 'must be ALLOW or DENY' }),
});

const byteRate = z.nullable(
  z.number({ error: 'must be an integer or null' }).check(
    z.gte(1, { error: 'must be at least 1' }),
    z.lte(10 * 1024 * 1024 * 1024, { error: 'must be at most 10737418240' }),
    z.int({ error: 'must be an integer or null' }),
  ),
);

export const quotaRequestSchema = object({
  principal: principalSchema,
  produceBytesPerSecond: z._default(byteRate, null),
  fetchBytesPerSecond: z._default(byteRate, null),
});

/** Just the topic of a reset-offsets body, read to authorize it before the rest is validated. */
export const topicNameOfResetSchema = z.looseObject({ topic: topicNameSchema });

/** Just the name of a create-topic body, read before authorization (the rest is validated after). */
export const topicNameOfBodySchema = z.looseObject({ name: topicNameSchema });
