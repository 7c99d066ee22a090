/** The Sluice client: the low-level HTTP client, its errors and types, the shared partitioner, and the producer. */
export { SluiceApiError, SluiceConnectionError, SluiceHttpClient } from './sluice-http-client';
export type { RequestOptions, RequestSigner, SluiceHttpClientOptions } from './sluice-http-client';
export type * from './types';
export { partitionForKey, assignPartitions } from '../protocol/partitioner';
export type { PartitionChoice } from '../protocol/partitioner';
export { murmur2, toPositive } from '../protocol/murmur2';
export { PRODUCER_DEFAULTS, ProducerClosedError, SluiceProducer } from './producer';
export { isRetriable } from './retry';
export type { ProducerRecord, ProducerStats, RecordMetadata, SluiceProducerOptions } from './producer';
export { SluiceConsumer } from './consumer';
export type { ConsumerRecord, SluiceConsumerOptions, TopicPartition } from './consumer';
export { SluiceAdmin } from './admin';
export { iamSigner, type IamSignerOptions } from './iam-signer';
export type { WatchSocket, WatchSocketFactory } from './tail-watcher';
