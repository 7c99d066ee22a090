import * as z from 'zod';
import { LIMITS } from '../limits';
import { topicConfigSchema } from '../topics/topic-config';
import { topicNameSchema } from '../topics/topic-name';

/** Request shapes of the v1 HTTP API (docs/http-api.md). */
export const createTopicRequestSchema = z.object({
  name: topicNameSchema,
  partitions: z
    .number({ error: 'must be an integer' })
    .int({ error: 'must be an integer' })
    .min(1, { error: 'must be at least 1' })
    .max(LIMITS.partitionsMax, { error: `must be at most ${LIMITS.partitionsMax}` })
    .default(1),
  config: topicConfigSchema.default({}),
});

export const encodingSchema = z.enum(['utf8', 'base64'], { error: 'must be "utf8" or "base64"' });
export type Encoding = z.infer<typeof encodingSchema>;

const nullableText = z.string({ error: 'must be a string or null' }).nullable();

const headerListSchema = z
  .array(
    z.object({
      key: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(LIMITS.headerKeyMaxLength, { error: `must be at most ${LIMITS.headerKeyMaxLength} characters` }),
      value: nullableText,
    }),
  )
  .max(LIMITS.recordHeadersMax, { error: `must have at most ${LIMITS.recordHeadersMax} headers` });

const headerMapSchema = z
  .record(z.string().min(1).max(LIMITS.headerKeyMaxLength, { error: `header names must be at most ${LIMITS.headerKeyMaxLength} characters` }), nullableText)
  .transform((map) => Object.entries(map).map(([key, value]) => ({ key, value })))
  .pipe(headerListSchema);

export const produceRecordSchema = z.object({
  key: nullableText.optional(),
  value: nullableText,
  headers: z.union([headerListSchema, headerMapSchema], { error: 'must be a list of {key, value} or an object' }).optional(),
  partition: z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).min(0, { error: 'must be at least 0' }).optional(),
  timestamp: z
    .number({ error: 'must be milliseconds since the epoch' })
    .int({ error: 'must be an integer' })
    .min(0, { error: 'must be at least 0' })
    .max(8_640_000_000_000_000, { error: 'must be a valid date' })
    .optional(),
});

const nonNegativeInt = (max: number, what = 'an integer') =>
  z
    .number({ error: `must be ${what}` })
    .int({ error: `must be ${what}` })
    .min(0, { error: 'must be at least 0' })
    .max(max, { error: `must be at most ${max}` });

/** An idempotent producer's identity and per-partition base sequences (Kafka's producer id, epoch, sequence). */
export const producerClaimSchema = z.object({
  id: nonNegativeInt(Number.MAX_SAFE_INTEGER),
  epoch: nonNegativeInt(32767),
  sequences: z
    .record(z.string().regex(/^\d+$/, { error: 'keys must be partition numbers' }), nonNegativeInt(2 ** 31 - 1))
    .refine((s) => Object.keys(s).length > 0, { error: 'must give at least one partition' }),
});

export const produceRequestSchema = z.object({
  encoding: encodingSchema.default('utf8'),
  producer: producerClaimSchema.optional(),
  /** Conditional append: commit only if the partition's high watermark equals this. */
  expectedOffset: nonNegativeInt(Number.MAX_SAFE_INTEGER).optional(),
  records: z
    .array(produceRecordSchema, { error: 'must be a list of records' })
    .min(1, { error: 'must hold at least 1 record' })
    .max(LIMITS.produceRecordsMax, { error: `must hold at most ${LIMITS.produceRecordsMax} records` }),
});

export type ProduceRequest = z.infer<typeof produceRequestSchema>;

const intParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: 'must be a non-negative integer' })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` }));

export const fetchQuerySchema = z.object({
  offset: intParam(0, Number.MAX_SAFE_INTEGER).optional(),
  waitMs: intParam(0, LIMITS.fetchWaitMsMax).default(0),
  maxRecords: intParam(1, LIMITS.fetchMaxRecordsMax).default(LIMITS.fetchMaxRecordsDefault),
  maxBytes: intParam(1, LIMITS.fetchMaxBytesMax).default(LIMITS.fetchMaxBytesDefault),
  encoding: encodingSchema.default('base64'),
});

export const partitionParamSchema = intParam(0, Number.MAX_SAFE_INTEGER);

export const offsetsQuerySchema = z.object({
  timestamp: intParam(0, 8_640_000_000_000_000).optional(),
});

export const initProducerRequestSchema = z.object({
  name: z
    .string({ error: 'must be a string' })
    .min(1, { error: 'must not be empty' })
    .max(249, { error: 'must be at most 249 characters' })
    .regex(/^[a-zA-Z0-9._-]+$/, { error: 'may contain only ASCII letters, digits, ".", "_" and "-"' })
    .optional(),
});

/** Group names follow the topic name rule. */
export const groupNameSchema = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(LIMITS.topicNameMaxLength, { error: `must be at most ${LIMITS.topicNameMaxLength} characters` })
  .regex(/^[a-zA-Z0-9._-]+$/, { error: 'may contain only ASCII letters, digits, ".", "_" and "-"' });

export const joinGroupRequestSchema = z.object({
  topics: z.array(topicNameSchema, { error: 'must be a list of topic names' }).min(1, { error: 'must name at least 1 topic' }).max(100, { error: 'must name at most 100 topics' }),
  sessionTimeoutMs: z
    .number({ error: 'must be an integer' })
    .int({ error: 'must be an integer' })
    .min(LIMITS.sessionTimeoutMsMin, { error: `must be at least ${LIMITS.sessionTimeoutMsMin}` })
    .max(LIMITS.sessionTimeoutMsMax, { error: `must be at most ${LIMITS.sessionTimeoutMsMax}` })
    .default(LIMITS.sessionTimeoutMsDefault),
  assignor: z.enum(['sticky', 'range', 'roundrobin'], { error: 'must be "sticky", "range" or "roundrobin"' }).default('sticky'),
  resetPolicy: z.enum(['earliest', 'latest'], { error: 'must be "earliest" or "latest"' }).default('latest'),
  clientId: z
    .string()
    .min(1)
    .max(64, { error: 'must be at most 64 characters' })
    .regex(/^[a-zA-Z0-9._-]+$/, { error: 'may contain only ASCII letters, digits, ".", "_" and "-"' })
    .optional(),
});

export const commitOffsetsRequestSchema = z
  .object({
    memberId: z.string().min(1).max(200).optional(),
    generation: z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).min(0, { error: 'must be at least 0' }).optional(),
    offsets: z
      .array(
        z.object({
          topic: topicNameSchema,
          partition: z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).min(0, { error: 'must be at least 0' }),
          offset: z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).min(0, { error: 'must be at least 0' }).max(Number.MAX_SAFE_INTEGER),
          metadata: z.string().max(1024, { error: 'must be at most 1024 characters' }).optional(),
        }),
      )
      .min(1, { error: 'must hold at least 1 offset' })
      .max(LIMITS.offsetCommitsMax, { error: `must hold at most ${LIMITS.offsetCommitsMax} offsets` }),
  })
  .refine((r) => (r.memberId === undefined) === (r.generation === undefined), {
    error: 'memberId and generation go together: a member commits with both, a standalone consumer with neither',
    path: ['generation'],
  });

export const groupOffsetsQuerySchema = z.object({
  topic: topicNameSchema.optional(),
});

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** HTTPS, or plain HTTP to this machine for local development. */
const targetUrlSchema = z.string({ error: 'must be a URL' }).refine(
  (text) => {
    try {
      const url = new URL(text);
      return url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname));
    } catch {
      return false;
    }
  },
  { error: 'must be an https:// URL (http:// only to localhost)' },
);

export const subscriptionRequestSchema = z.object({
  topic: topicNameSchema,
  target: z.discriminatedUnion(
    'type',
    [
      z.object({ type: z.literal('https'), url: targetUrlSchema }),
      z.object({
        type: z.literal('lambda'),
        functionArn: z.string().regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/, { error: 'must be a Lambda function ARN' }),
      }),
    ],
    { error: 'must be {"type":"https","url":…} or {"type":"lambda","functionArn":…}' },
  ),
  secret: z.string().min(16, { error: 'must be at least 16 characters' }).max(256, { error: 'must be at most 256 characters' }).optional(),
  batchSize: z.number().int({ error: 'must be an integer' }).min(1, { error: 'must be at least 1' }).max(10_000, { error: 'must be at most 10000' }).default(100),
  batchingWindowMs: z.number().int({ error: 'must be an integer' }).min(0, { error: 'must be at least 0' }).max(20_000, { error: 'must be at most 20000' }).default(0),
  retryAttempts: z.number().int({ error: 'must be an integer' }).min(0, { error: 'must be at least 0' }).max(10_000, { error: 'must be at most 10000' }).default(10),
  maxRecordAgeSeconds: z
    .number()
    .int({ error: 'must be an integer' })
    .min(-1, { error: 'must be -1 (no limit) or at least 60' })
    .max(604_800, { error: 'must be at most 604800' })
    .refine((n) => n === -1 || n >= 60, { error: 'must be -1 (no limit) or at least 60' })
    .default(86_400),
  bisectOnError: z.boolean({ error: 'must be true or false' }).default(true),
  deadLetterTopic: topicNameSchema.optional(),
  resetPolicy: z.enum(['earliest', 'latest'], { error: 'must be "earliest" or "latest"' }).default('latest'),
});

export const aclRuleRequestSchema = z.object({
  principal: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(2048, { error: 'must be at most 2048 characters' }),
  resourceType: z.enum(['TOPIC', 'GROUP', 'CLUSTER'], { error: 'must be TOPIC, GROUP or CLUSTER' }),
  patternType: z.enum(['LITERAL', 'PREFIXED'], { error: 'must be LITERAL or PREFIXED' }).default('LITERAL'),
  resourceName: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(LIMITS.topicNameMaxLength, { error: `must be at most ${LIMITS.topicNameMaxLength} characters` }),
  operation: z.enum(['READ', 'WRITE', 'CREATE', 'DELETE', 'DESCRIBE', 'ALTER', 'ALL'], { error: 'must be READ, WRITE, CREATE, DELETE, DESCRIBE, ALTER or ALL' }),
  permission: z.enum(['ALLOW', 'DENY'], { error: 'must be ALLOW or DENY' }),
});

const byteRate = z
  .number({ error: 'must be an integer or null' })
  .int({ error: 'must be an integer or null' })
  .min(1, { error: 'must be at least 1' })
  .max(10 * 1024 * 1024 * 1024, { error: 'must be at most 10737418240' })
  .nullable();

export const quotaRequestSchema = z.object({
  produceBytesPerSecond: byteRate.default(null),
  fetchBytesPerSecond: byteRate.default(null),
});
