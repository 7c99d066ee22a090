import type { RequestOptions, SluiceHttpClient } from './sluice-http-client';
import type {
  AclRule,
  AclRuleRequest,
  CommittedOffset,
  CreateTopicOptions,
  DeleteGroupOffsetsResponse,
  GroupDescription,
  GroupOffsets,
  GroupSummary,
  OffsetForTimeResponse,
  PartitionOffsetsResponse,
  Quota,
  QuotaRequest,
  ResetOffsetsResponse,
  ResetTarget,
  Topic,
  TopicConfigChange,
  TopicDescription,
  TopicOffsets,
} from './types';

/**
 * Administration over the HTTP API, Kafka's `Admin` in spirit: topics, consumer groups
 * and their offsets, offsets-for-times, ACLs and quotas. A thin typed facade over
 * `SluiceHttpClient` (every call is one request; errors are `SluiceApiError` or
 * `SluiceConnectionError`, with the stable codes of docs/http-api.md).
 *
 * ```ts
 * const admin = new SluiceAdmin(new SluiceHttpClient('http://localhost:4566'));
 * await admin.createTopic('orders', { partitions: 6, config: { 'retention.ms': '86400000' } });
 * const lag = (await admin.groupOffsets('billing')).totalLag;
 * ```
 */
export class SluiceAdmin {
  constructor(readonly client: SluiceHttpClient) {}

  // Topics ------------------------------------------------------------------

  /** Creates a topic (1–256 partitions; `TOPIC_EXISTS` if taken). */
  createTopic(name: string, options: CreateTopicOptions = {}, request?: RequestOptions): Promise<Topic> {
    return this.client.createTopic(name, options, request);
  }

  /** Every topic, sorted by name. */
  listTopics(request?: RequestOptions): Promise<Topic[]> {
    return this.client.listTopics(request);
  }

  /** A topic: name, id, partition count, config (one read; offsets are `listTopicOffsets`). */
  describeTopic(topic: string, request?: RequestOptions): Promise<TopicDescription> {
    return this.client.describeTopic(topic, request);
  }

  /**
   * Changes a topic's config (Kafka's incrementalAlterConfigs): a string sets the key,
   * validated as at create; null removes it. Needs ALTER_CONFIGS on the topic. Other
   * containers apply it within their topic cache's 5 s.
   */
  alterTopicConfig(topic: string, config: TopicConfigChange, request?: RequestOptions): Promise<Topic> {
    return this.client.alterTopicConfig(topic, config, request);
  }

  /**
   * Raises a topic's partition count to `count`, the new total (Kafka's createPartitions;
   * only upwards, at most 256). Keyed records may map to other partitions from then on.
   * Needs ALTER on the topic.
   */
  createPartitions(topic: string, count: number, request?: RequestOptions): Promise<Topic> {
    return this.client.createPartitions(topic, count, request);
  }

  /** Deletes a topic and its records. */
  deleteTopic(topic: string, request?: RequestOptions): Promise<void> {
    return this.client.deleteTopic(topic, request);
  }

  /** One partition's log start offset and high watermark. */
  listOffsets(topic: string, partition: number, request?: RequestOptions): Promise<PartitionOffsetsResponse> {
    return this.client.listOffsets(topic, partition, request);
  }

  /** Every partition's log start offset and high watermark, in partition order (one call). */
  listTopicOffsets(topic: string, request?: RequestOptions): Promise<TopicOffsets> {
    return this.client.listTopicOffsets(topic, request);
  }

  /** Deletes a partition's records below `offset` (-1: all of them, up to the high watermark), as Kafka's DeleteRecords; answers its offsets after. */
  trimPartition(topic: string, partition: number, offset: number, request?: RequestOptions): Promise<PartitionOffsetsResponse> {
    return this.client.trimPartition(topic, partition, offset, request);
  }

  /** Offsets-for-times: per partition, the first offset with a timestamp of at least `timestamp` (null if none); every partition of the topic when `partitions` is omitted. */
  async offsetsForTimes(topic: string, timestamp: number, partitions?: number[], request?: RequestOptions): Promise<OffsetForTimeResponse[]> {
    const which = partitions ?? Array.from({ length: (await this.client.describeTopic(topic, request)).partitions }, (_, i) => i);
    return Promise.all(which.map((p) => this.client.offsetForTime(topic, p, timestamp, request)));
  }

  // Consumer groups ---------------------------------------------------------

  /** Every group with its generation, member count and state. */
  listGroups(request?: RequestOptions): Promise<GroupSummary[]> {
    return this.client.listGroups(request);
  }

  /** A group's state, members with their assignments, and per-partition lag. */
  describeGroup(group: string, request?: RequestOptions): Promise<GroupDescription> {
    return this.client.describeGroup(group, request);
  }

  /** A group's committed offset, position, high watermark and lag per partition (one topic when given). */
  groupOffsets(group: string, topic?: string, request?: RequestOptions): Promise<GroupOffsets> {
    return this.client.groupOffsets(group, topic === undefined ? {} : { topic }, request);
  }

  /**
   * Sets a group's committed offsets by hand (a standalone commit: `GROUP_ACTIVE` while the
   * group has live members), as `kafka-consumer-groups --reset-offsets`. 1–98 offsets.
   */
  async resetGroupOffsets(group: string, offsets: { topic: string; partition: number; offset: number; metadata?: string }[], request?: RequestOptions): Promise<CommittedOffset[]> {
    return (await this.client.commitOffsets(group, { offsets }, request)).committed;
  }

  /**
   * Resets a group's offsets on a topic, as `kafka-consumer-groups --reset-offsets`: to
   * the earliest or latest offset, the first at or after a time, or an explicit offset
   * (clamped into each partition's readable range), on every partition or `partitions`.
   * `dryRun` answers the plan and writes nothing. `GROUP_ACTIVE` while the group has live
   * members. Answers each partition's previous and new offset.
   */
  resetOffsets(
    group: string,
    topic: string,
    to: ResetTarget,
    options: { partitions?: number[]; dryRun?: boolean } = {},
    request?: RequestOptions,
  ): Promise<ResetOffsetsResponse> {
    return this.client.resetGroupOffsets(group, { topic, to, ...options }, request);
  }

  /** Deletes a group and its committed offsets, as Kafka's deleteConsumerGroups (`GROUP_ACTIVE` while it has live members). */
  deleteGroup(group: string, request?: RequestOptions): Promise<void> {
    return this.client.deleteGroup(group, request);
  }

  /** Deletes a group's committed offsets of one topic, as Kafka's deleteConsumerGroupOffsets; answers the partitions that had one. */
  deleteGroupOffsets(group: string, topic: string, request?: RequestOptions): Promise<DeleteGroupOffsetsResponse> {
    return this.client.deleteGroupOffsets(group, topic, request);
  }

  // Access control ----------------------------------------------------------

  /** Adds an ACL rule; needs ALTER on the cluster. */
  createAcl(rule: AclRuleRequest, request?: RequestOptions): Promise<AclRule> {
    return this.client.createAcl(rule, request);
  }

  /** Every ACL rule, oldest first; needs DESCRIBE on the cluster. */
  listAcls(request?: RequestOptions): Promise<AclRule[]> {
    return this.client.listAcls(request);
  }

  /** Deletes a rule by id (`ACL_NOT_FOUND` if none). */
  deleteAcl(ruleId: string, request?: RequestOptions): Promise<void> {
    return this.client.deleteAcl(ruleId, request);
  }

  // Quotas ------------------------------------------------------------------

  /** Replaces a principal's produce and fetch byte rates (omitted or null: unlimited). */
  setQuota(quota: QuotaRequest, request?: RequestOptions): Promise<Quota> {
    return this.client.setQuota(quota, request);
  }

  /** Every principal with a quota of its own. */
  listQuotas(request?: RequestOptions): Promise<Quota[]> {
    return this.client.listQuotas(request);
  }
}
