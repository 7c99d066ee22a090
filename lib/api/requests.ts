import * as z from 'zod/mini';
import { LIMITS } from '../limits';
import { topicConfigSchema } from '../topics/topic-config';
import { topicNameSchema } from '../topics/topic-name';

/** Request shapes of the v1 HTTP API (docs/http-api.md). */
export const createTopicRequestSchema = z.object({
  name: topicNameSchema,
  partitions: z._default(
    z.number({ error: 'must be an integer' }).check(
      z.int({ error: 'must be an integer' }),
      z.gte(1, { error: 'must be at least 1' }),
      z.lte(LIMITS.partitionsMax, { error: `must be at most ${LIMITS.partitionsMax}` }),
    ),
    1,
  ),
  config: z._default(topicConfigSchema, {}),
});

export const encodingSchema = z.enum(['utf8', 'base64'], { error: 'must be "utf8" or "base64"' });
export type Encoding = z.infer<typeof encodingSchema>;

const nullableText = z.nullable(z.string({ error: 'must be a string or null' }));

const headerListSchema = z
  .array(
    z.object({
      key: z.string({ error: 'must be a string' }).check(
        z.minLength(1, { error: 'must not be empty' }),
        z.maxLength(LIMITS.headerKeyMaxLength, { error: `must be at most ${LIMITS.headerKeyMaxLength} characters` }),
      ),
      value: nullableText,
    }),
  )
  .check(z.maxLength(LIMITS.recordHeadersMax, { error: `must have at most ${LIMITS.recordHeadersMax} headers` }));

const headerMapSchema = z.pipe(
  z.pipe(
    z.record(
      z.string().check(z.minLength(1), z.maxLength(LIMITS.headerKeyMaxLength, { error: `header names must be at most ${LIMITS.headerKeyMaxLength} characters` })),
      nullableText,
    ),
    z.transform((map: Record<string, string | null>) => Object.entries(map).map(([key, value]) => ({ key, value }))),
  ),
  headerListSchema,
);

export const produceRecordSchema = z.object({
  key: z.optional(nullableText),
  value: nullableText,
  headers: z.optional(z.union([headerListSchema, headerMapSchema], { error: 'must be a list of {key, value} or an object' })),
  partition: z.optional(z.number({ error: 'must be an integer' }).check(z.int({ error: 'must be an integer' }), z.gte(0, { error: 'must be at least 0' }))),
  timestamp: z.optional(
    z.number({ error: 'must be milliseconds since the epoch' }).check(
      z.int({ error: 'must be an integer' }),
      z.gte(0, { error: 'must be at least 0' }),
      z.lte(8_640_000_000_000_000, { error: 'must be a valid date' }),
    ),
  ),
});

const nonNegativeInt = (max: number, what = 'an integer') =>
  z.number({ error: `must be ${what}` }).check(z.int({ error: `must be ${what}` }), z.gte(0, { error: 'must be at least 0' }), z.lte(max, { error: `must be at most ${max}` }));

/** An idempotent producer's identity and per-partition base sequences (Kafka's producer id, epoch, sequence). */
export const producerClaimSchema = z.object({
  id: nonNegativeInt(Number.MAX_SAFE_INTEGER),
  epoch: nonNegativeInt(32767),
  sequences: z
    .record(z.string().check(z.regex(/^\d+$/, { error: 'keys must be partition numbers' })), nonNegativeInt(2 ** 31 - 1))
    .check(z.refine((s) => Object.keys(s).length > 0, { error: 'must give at least one partition' })),
});

export const produceRequestSchema = z.object({
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

const intParam = (min: number, max: number) =>
  z.pipe(
    z.pipe(z.string().check(z.regex(/^\d+$/, { error: 'must be a non-negative integer' })), z.transform(Number)),
    z.number().check(z.int(), z.gte(min, { error: `must be at least ${min}` }), z.lte(max, { error: `must be at most ${max}` })),
  );

export const fetchQuerySchema = z.object({
  offset: z.optional(intParam(0, Number.MAX_SAFE_INTEGER)),
  waitMs: z._default(intParam(0, LIMITS.fetchWaitMsMax), 0),
  maxRecords: z._default(intParam(1, LIMITS.fetchMaxRecordsMax), LIMITS.fetchMaxRecordsDefault),
  maxBytes: z._default(intParam(1, LIMITS.fetchMaxBytesMax), LIMITS.fetchMaxBytesDefault),
  encoding: z._default(encodingSchema, 'base64'),
});

export const partitionParamSchema = intParam(0, Number.MAX_SAFE_INTEGER);

export const offsetsQuerySchema = z.object({
  timestamp: z.optional(intParam(0, 8_640_000_000_000_000)),
});

export const initProducerRequestSchema = z.object({
  name: z.optional(
    z.string({ error: 'must be a string' }).check(
      z.minLength(1, { error: 'must not be empty' }),
      z.maxLength(249, { error: 'must be at most 249 characters' }),
      z.regex(/^[a-zA-Z0-9._-]+$/, { error: 'may contain only ASCII letters, digits, ".", "_" and "-"' }),
    ),
  ),
});

/** Group names follow the topic name rule. */
export const groupNameSchema = z.string({ error: 'must be a string' }).check(
  z.minLength(1, { error: 'must not be empty' }),
  z.maxLength(LIMITS.topicNameMaxLength, { error: `must be at most ${LIMITS.topicNameMaxLength} characters` }),
  z.regex(/^[a-zA-Z0-9._-]+$/, { error: 'may contain only ASCII letters, digits, ".", "_" and "-"' }),
);

export const joinGroupRequestSchema = z.object({
  topics: z
    .array(topicNameSchema, { error: 'must be a list of topic names' })
    .check(z.minLength(1, { error: 'must name at least 1 topic' }), z.maxLength(100, { error: 'must name at most 100 topics' })),
  sessionTimeoutMs: z._default(
    z.number({ error: 'must be an integer' }).check(
      z.int({ error: 'must be an integer' }),
      z.gte(LIMITS.sessionTimeoutMsMin, { error: `must be at least ${LIMITS.sessionTimeoutMsMin}` }),
      z.lte(LIMITS.sessionTimeoutMsMax, { error: `must be at most ${LIMITS.sessionTimeoutMsMax}` }),
    ),
    LIMITS.sessionTimeoutMsDefault,
  ),
  assignor: z._default(z.enum(['sticky', 'range', 'roundrobin'], { error: 'must be "sticky", "range" or "roundrobin"' }), 'sticky'),
  resetPolicy: z._default(z.enum(['earliest', 'latest'], { error: 'must be "earliest" or "latest"' }), 'latest'),
  clientId: z.optional(
    z.string().check(
      z.minLength(1),
      z.maxLength(64, { error: 'must be at most 64 characters' }),
      z.regex(/^[a-zA-Z0-9._-]+$/, { error: 'may contain only ASCII letters, digits, ".", "_" and "-"' }),
    ),
  ),
});

export const commitOffsetsRequestSchema = z
  .object({
    memberId: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
    generation: z.optional(z.number({ error: 'must be an integer' }).check(z.int({ error: 'must be an integer' }), z.gte(0, { error: 'must be at least 0' }))),
    offsets: z
      .array(
        z.object({
          topic: topicNameSchema,
          partition: z.number({ error: 'must be an integer' }).check(z.int({ error: 'must be an integer' }), z.gte(0, { error: 'must be at least 0' })),
          offset: z.number({ error: 'must be an integer' }).check(z.int({ error: 'must be an integer' }), z.gte(0, { error: 'must be at least 0' }), z.lte(Number.MAX_SAFE_INTEGER)),
          metadata: z.optional(z.string().check(z.maxLength(1024, { error: 'must be at most 1024 characters' }))),
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

export const groupOffsetsQuerySchema = z.object({
  topic: z.optional(topicNameSchema),
});

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** HTTPS, or plain HTTP to this machine for local development. */
const targetUrlSchema = z.string({ error: 'must be a URL' }).check(
  z.refine(
    (text) => {
      try {
        const url = new URL(text);
        return url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname));
      } catch {
        return false;
      }
    },
    { error: 'must be an https:// URL (http:// only to localhost)' },
  ),
);

export const subscriptionRequestSchema = z.object({
  topic: topicNameSchema,
  target: z.discriminatedUnion(
    'type',
    [
      z.object({ type: z.literal('https'), url: targetUrlSchema }),
      z.object({
        type: z.literal('lambda'),
        functionArn: z
          .string()
          .check(z.regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/, { error: 'must be a Lambda function ARN' })),
      }),
    ],
    { error: 'must be {"type":"https","url":…} or {"type":"lambda","functionArn":…}' },
  ),
  secret: z.optional(z.string().check(z.minLength(16, { error: 'must be at least 16 characters' }), z.maxLength(256, { error: 'must be at most 256 characters' }))),
  batchSize: z._default(
    z.number().check(z.int({ error: 'must be an integer' }), z.gte(1, { error: 'must be at least 1' }), z.lte(10_000, { error: 'must be at most 10000' })),
    100,
  ),
  batchingWindowMs: z._default(
    z.number().check(z.int({ error: 'must be an integer' }), z.gte(0, { error: 'must be at least 0' }), z.lte(20_000, { error: 'must be at most 20000' })),
    0,
  ),
  retryAttempts: z._default(
    z.number().check(z.int({ error: 'must be an integer' }), z.gte(0, { error: 'must be at least 0' }), z.lte(10_000, { error: 'must be at most 10000' })),
    10,
  ),
  maxRecordAgeSeconds: z._default(
    z.number().check(
      z.int({ error: 'must be an integer' }),
      z.gte(-1, { error: 'must be -1 (no limit) or at least 60' }),
      z.lte(604_800, { error: 'must be at most 604800' }),
      z.refine((n) => n === -1 || n >= 60, { error: 'must be -1 (no limit) or at least 60' }),
    ),
    86_400,
  ),
  bisectOnError: z._default(z.boolean({ error: 'must be true or false' }), true),
  deadLetterTopic: z.optional(topicNameSchema),
  resetPolicy: z._default(z.enum(['earliest', 'latest'], { error: 'must be "earliest" or "latest"' }), 'latest'),
});

export const aclRuleRequestSchema = z.object({
  principal: z
    .string({ error: 'must be a string' })
    .check(z.minLength(1, { error: 'must not be empty' }), z.maxLength(2048, { error: 'must be at most 2048 characters' })),
  resourceType: z.enum(['TOPIC', 'GROUP', 'CLUSTER'], { error: 'must be TOPIC, GROUP or CLUSTER' }),
  patternType: z._default(z.enum(['LITERAL', 'PREFIXED'], { error: 'must be LITERAL or PREFIXED' }), 'LITERAL'),
  resourceName: z
    .string({ error: 'must be a string' })
    .check(
      z.minLength(1, { error: 'must not be empty' }),
      z.maxLength(LIMITS.topicNameMaxLength, { error: `must be at most ${LIMITS.topicNameMaxLength} characters` }),
    ),
  operation: z.enum(['READ', 'WRITE', 'CREATE', 'DELETE', 'DESCRIBE', 'ALTER', 'ALL'], { error: 'must be READ, WRITE, CREATE, DELETE, DESCRIBE, ALTER or ALL' }),
  permission: z.enum(['ALLOW', 'DENY'], { error: 'must be ALLOW or DENY' }),
});

const byteRate = z.nullable(
  z.number({ error: 'must be an integer or null' }).check(
    z.int({ error: 'must be an integer or null' }),
    z.gte(1, { error: 'must be at least 1' }),
    z.lte(10 * 1024 * 1024 * 1024, { error: 'must be at most 10737418240' }),
  ),
);

export const quotaRequestSchema = z.object({
  produceBytesPerSecond: z._default(byteRate, null),
  fetchBytesPerSecond: z._default(byteRate, null),
});
