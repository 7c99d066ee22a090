/**
 * The single source of truth for Sluice's DynamoDB tables. The CDK stack and the
 * local runtime both build their tables from these definitions, so key schemas,
 * indexes, TTL and stream settings cannot drift apart.
 */
export type AttributeType = 'S' | 'N' | 'B';
export type StreamViewType = 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

/** A local secondary index: same partition key, another sort key, all attributes projected, strongly consistent reads. */
export interface LocalIndexDefinition {
  readonly name: string;
  readonly sortKey: KeyAttribute;
}

/**
 * A global secondary index. Sluice's are sparse: only items carrying both key attributes
 * are in them, and an update that leaves those attributes unchanged writes nothing to it.
 */
export interface GlobalIndexDefinition {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  /** Only the keys (the table's and the index's) are projected. */
  readonly projection: 'KEYS_ONLY';
}

export interface TableDefinition {
  /** Stable id: CDK construct id and the suffix of the local table name. */
  readonly id: TableId;
  readonly description: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly stream?: StreamViewType;
  readonly timeToLiveAttribute?: string;
  readonly localIndexes?: readonly LocalIndexDefinition[];
  readonly globalIndexes?: readonly GlobalIndexDefinition[];
  /** Environment variable through which functions learn the physical table name. */
  readonly envVar: string;
}

export type TableId = 'Topics' | 'Log' | 'Producers' | 'Groups' | 'Access';

export const TOPICS_TABLE: TableDefinition = {
  id: 'Topics',
  description: 'One item per topic: its id, partition count and config.',
  partitionKey: { name: 'pk', type: 'S' },
  // REMOVE events drive the topic-cleanup trigger.
  stream: 'NEW_AND_OLD_IMAGES',
  envVar: 'SLUICE_TOPICS_TABLE',
};

/** The Log table's sparse index of non-empty partitions by topic and the time their oldest kept batch's retention counts from. */
export const RETENTION_INDEX: GlobalIndexDefinition = {
  name: 'byRetention',
  partitionKey: { name: 'retentionTopicId', type: 'S' },
  sortKey: { name: 'retentionFrom', type: 'N' },
  projection: 'KEYS_ONLY',
};

export const LOG_TABLE: TableDefinition = {
  id: 'Log',
  description: 'Per topic-partition: the head item (next offset, leader epoch) and one index item per committed batch; watchers of partition tails.',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  // Commits on head items will drive push delivery (consumer groups).
  stream: 'NEW_AND_OLD_IMAGES',
  // Index items carry `ts`, the partition's running maximum timestamp, so offsets-for-times is one Query.
  localIndexes: [{ name: 'byTime', sortKey: { name: 'ts', type: 'S' } }],
  // Head items of non-empty partitions carry `retentionTopicId` and `retentionFrom`, so a retention run Queries
  // each topic for the partitions with something to expire instead of reading every head (docs/design.md, "Retention").
  globalIndexes: [RETENTION_INDEX],
  // Watcher items (readers waiting at a partition's tail, lib/store/watcher-store.ts) expire on their own.
  timeToLiveAttribute: 'expiresAtSeconds',
  envVar: 'SLUICE_LOG_TABLE',
};

export const PRODUCERS_TABLE: TableDefinition = {
  id: 'Producers',
  description: 'Idempotent producers: one item per producer id (its current epoch) and one per producer name.',
  partitionKey: { name: 'pk', type: 'S' },
  envVar: 'SLUICE_PRODUCERS_TABLE',
};

export const GROUPS_TABLE: TableDefinition = {
  id: 'Groups',
  description: 'Consumer groups: per group a meta item (generation, assignment), member lease items and committed offsets.',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  // Member joins and removals drive the group coordinator.
  stream: 'NEW_AND_OLD_IMAGES',
  // Lapsed member leases are also removed by DynamoDB, as a backstop to the sweeps.
  timeToLiveAttribute: 'expiresAtSeconds',
  envVar: 'SLUICE_GROUPS_TABLE',
};

export const ACCESS_TABLE: TableDefinition = {
  id: 'Access',
  description: 'Access control: ACL rules, per-principal quotas, and the usage counters quotas are enforced with.',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  // Usage counters expire on their own.
  timeToLiveAttribute: 'expiresAtSeconds',
  envVar: 'SLUICE_ACCESS_TABLE',
};

export const TABLES: readonly TableDefinition[] = [TOPICS_TABLE, LOG_TABLE, PRODUCERS_TABLE, GROUPS_TABLE, ACCESS_TABLE];

/** Bucket holding segment objects; its name reaches functions through this variable. */
export const BUCKET_ENV_VAR = 'SLUICE_BUCKET';
