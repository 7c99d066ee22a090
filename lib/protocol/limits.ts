/**
 * Every limit Sluice enforces, in one place, sized to the AWS services underneath:
 * Lambda's 6 MB synchronous payload, API Gateway's 10 MB, and DynamoDB's 100-item
 * transactions.
 */
export const LIMITS = {
  topicNameMaxLength: 249,
  partitionsMax: 256,
  configEntriesMax: 64,
  configValueMaxLength: 1024,
  /** Request bodies, before base64 inflation by API Gateway for binary bodies. */
  requestBodyMaxBytes: 5 * 1024 * 1024,
  produceRecordsMax: 10_000,
  recordKeyMaxBytes: 64 * 1024,
  recordValueMaxBytes: 1024 * 1024,
  recordHeadersMax: 64,
  headerKeyMaxLength: 256,
  /** One transaction holds 100 items: 2 per partition, the topic check and the object's ref item. */
  partitionsPerProduceMax: 49,
  /** An idempotent call adds the producer check and a sequence item per partition: 3 per partition plus 3. */
  partitionsPerIdempotentProduceMax: 32,
  fetchMaxRecordsMax: 10_000,
  fetchMaxRecordsDefault: 500,
  /** Base64 inflates by 4/3; 4 MiB of record bytes stays under Lambda's 6 MB response limit. */
  fetchMaxBytesMax: 4 * 1024 * 1024,
  fetchMaxBytesDefault: 1024 * 1024,
  /** An offset commit is one transaction: 100 items less the generation and lease checks. */
  offsetCommitsMax: 98,
  sessionTimeoutMsMin: 1_000,
  sessionTimeoutMsMax: 300_000,
  sessionTimeoutMsDefault: 30_000,
  /** Long-poll bound, well inside API Gateway's 30 s integration timeout. */
  fetchWaitMsMax: 20_000,
} as const;
