import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as z from 'zod/mini';
import type {
  AclRuleRequest,
  CommitOffsetsRequest,
  CreateTopicOptions,
  InitProducerOptions,
  JoinGroupOptions,
  ProduceRequest,
  QuotaRequest,
  ResetOffsetsRequest,
  SubscriptionRequest,
} from '../../../lib/client/types';
import {
  aclRuleRequestSchema,
  commitOffsetsRequestSchema,
  createTopicRequestSchema,
  initProducerRequestSchema,
  joinGroupRequestSchema,
  produceRequestSchema,
  quotaRequestSchema,
  resetOffsetsRequestSchema,
  subscriptionRequestSchema,
} from '../../../lib/protocol/requests';

/**
 * The client's request types are its own (documented for its users), so they are held to
 * the protocol's request schemas: each must be assignable to what the schema accepts (tsc
 * fails otherwise), and a full value of each passes the schema.
 */
type Accepts<Schema extends z.ZodMiniType, Client extends z.input<Schema>> = [Schema, Client];
export type RequestTypesFitTheProtocol = [
  Accepts<typeof produceRequestSchema, ProduceRequest>,
  Accepts<typeof createTopicRequestSchema, CreateTopicOptions & { name: string }>,
  Accepts<typeof initProducerRequestSchema, InitProducerOptions>,
  Accepts<typeof joinGroupRequestSchema, JoinGroupOptions>,
  Accepts<typeof commitOffsetsRequestSchema, CommitOffsetsRequest>,
  Accepts<typeof subscriptionRequestSchema, SubscriptionRequest>,
  Accepts<typeof aclRuleRequestSchema, AclRuleRequest>,
  Accepts<typeof quotaRequestSchema, QuotaRequest>,
  Accepts<typeof resetOffsetsRequestSchema, ResetOffsetsRequest>,
];

describe("the client's request types", () => {
  it('describe requests the protocol accepts, every optional field given', () => {
    const produce: ProduceRequest = {
      encoding: 'utf8',
      producer: { id: 4294967296, epoch: 0, sequences: { '0': 0 } },
      expectedOffset: 0,
      records: [{ key: 'k', value: null, headers: [{ key: 'h', value: 'v' }], partition: 0, timestamp: 1 }, { value: 'v', headers: { h: 'v' } }],
    };
    const samples: [z.ZodMiniType, unknown][] = [
      [produceRequestSchema, produce],
      [createTopicRequestSchema, { name: 'orders', ...({ partitions: 2, config: { 'retention.ms': '1000' } } satisfies CreateTopicOptions) }],
      [initProducerRequestSchema, { name: 'p' } satisfies InitProducerOptions],
      [joinGroupRequestSchema, { topics: ['orders'], sessionTimeoutMs: 10_000, assignor: 'range', resetPolicy: 'earliest', clientId: 'c' } satisfies JoinGroupOptions],
      [commitOffsetsRequestSchema, { memberId: 'm', generation: 1, offsets: [{ topic: 'orders', partition: 0, offset: 1, metadata: 'x' }] } satisfies CommitOffsetsRequest],
      [
        subscriptionRequestSchema,
        {
          topic: 'orders',
          target: { type: 'https', url: 'https://example.com/hook' },
          secret: 'a-secret-of-16-chars',
          batchSize: 10,
          batchingWindowMs: 0,
          retryAttempts: 1,
          maxRecordAgeSeconds: -1,
          bisectOnError: false,
          deadLetterTopic: 'dlq',
          resetPolicy: 'latest',
        } satisfies SubscriptionRequest,
      ],
      [aclRuleRequestSchema, { principal: '*', resourceType: 'TOPIC', patternType: 'PREFIXED', resourceName: 'orders.', operation: 'READ', permission: 'ALLOW' } satisfies AclRuleRequest],
      [quotaRequestSchema, { principal: 'p', produceBytesPerSecond: 1024, fetchBytesPerSecond: null } satisfies QuotaRequest],
      [resetOffsetsRequestSchema, { topic: 'orders', partitions: [0, 1], to: { type: 'timestamp', timestamp: 1 }, dryRun: true } satisfies ResetOffsetsRequest],
      [resetOffsetsRequestSchema, { topic: 'orders', to: { type: 'offset', offset: 3 } } satisfies ResetOffsetsRequest],
    ];
    for (const [schema, value] of samples) {
      const result = schema['~standard'].validate(value);
      assert.ok(!(result instanceof Promise) && !result.issues, JSON.stringify({ value, issues: (result as { issues?: unknown }).issues }));
    }
  });
});
