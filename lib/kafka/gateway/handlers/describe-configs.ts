import * as z from 'zod/mini';
import { requireAccess } from '../../../auth/access-control';
import { AccessDeniedError } from '../../../auth/auth-errors';
import { TopicNotFoundError } from '../../../core/errors';
import { topicNameSchema } from '../../../protocol/identifiers';
import { cachedTopic } from '../../../topics/topic-repository';
import { KAFKA_ERRORS } from '../../error-codes';
import { CONFIG_RESOURCE, CONFIG_SOURCE, type DescribeConfigsRequest, type DescribeConfigsResponse, type DescribeConfigsResult, type DescribedConfig } from '../../messages/describe-configs';
import { requireCaller, type RequestContext } from '../session';
import { describeTopicConfig } from '../topic-configs';
import { kafkaErrorOf } from './errors';
import { ADMIN_CONCURRENCY, mapBounded } from './map-bounded';

/**
 * DescribeConfigs. A TOPIC resource answers the topic's settings in Kafka's names
 * (topic-configs.ts), after the HTTP describe route's check (DESCRIBE on the topic:
 * TOPIC_AUTHORIZATION_FAILED, whether it exists or not); an impossible name is
 * INVALID_TOPIC_EXCEPTION, an unknown topic UNKNOWN_TOPIC_OR_PARTITION. Sluice's own keys
 * (the log-compaction ones, cleanup.policy among them, included) are not read-only
 * (AlterConfigs and IncrementalAlterConfigs change them); the fixed one
 * (max.message.bytes) is. A BROKER
 * resource (this gateway's node id, or "" for the defaults) answers an empty list: the
 * gateway's settings are its environment's, not something a client can read or change
 * over Kafka, and an empty answer needs no cluster permission. Any other resource type is
 * INVALID_REQUEST. ConfigurationKeys filters by name (null: all); synonyms and
 * documentation are given when asked.
 */
export async function handleDescribeConfigs(request: DescribeConfigsRequest, { session }: RequestContext): Promise<DescribeConfigsResponse> {
  const caller = requireCaller(session);
  const { ctx, broker } = session;
  const results = await mapBounded(request.resources, ADMIN_CONCURRENCY, describeOne);
  return { throttleTimeMs: 0, results };

  async function describeOne(resource: DescribeConfigsRequest['resources'][number]): Promise<DescribeConfigsResult> {
    const answer = (errorCode: number, errorMessage: string | null, configs: DescribedConfig[] = []): DescribeConfigsResult => ({
      errorCode,
      errorMessage,
      resourceType: resource.resourceType,
      resourceName: resource.resourceName,
      configs,
    });
    if (resource.resourceType === CONFIG_RESOURCE.BROKER) {
      if (resource.resourceName !== '' && resource.resourceName !== String(broker.nodeId)) return answer(KAFKA_ERRORS.INVALID_REQUEST, `this gateway is broker ${broker.nodeId}`);
      return answer(KAFKA_ERRORS.NONE, null);
    }
    if (resource.resourceType !== CONFIG_RESOURCE.TOPIC) return answer(KAFKA_ERRORS.INVALID_REQUEST, `resource type ${resource.resourceType} is not supported: Sluice describes TOPIC (2) and BROKER (4) configs`);
    const name = resource.resourceName;
    const valid = z.safeParse(topicNameSchema, name);
    if (!valid.success) return answer(KAFKA_ERRORS.INVALID_TOPIC_EXCEPTION, `topic name ${valid.error.issues[0]!.message}`);
    try {
      await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: name, operation: 'DESCRIBE' });
      const topic = await cachedTopic(ctx, name);
      const wanted = resource.configurationKeys === null ? null : new Set(resource.configurationKeys);
      const configs = describeTopicConfig(topic.config)
        .filter((entry) => wanted === null || wanted.has(entry.name))
        .map((entry): DescribedConfig => {
          const source = entry.isDefault ? CONFIG_SOURCE.DEFAULT_CONFIG : CONFIG_SOURCE.TOPIC_CONFIG;
          return {
            name: entry.name,
            value: entry.value,
            readOnly: entry.readOnly,
            isDefault: entry.isDefault,
            configSource: source,
            isSensitive: false,
            synonyms: request.includeSynonyms ? [{ name: entry.name, value: entry.value, source }] : [],
            configType: entry.type,
            documentation: request.includeDocumentation ? entry.doc : null,
          };
        });
      return answer(KAFKA_ERRORS.NONE, null, configs);
    } catch (error) {
      if (error instanceof AccessDeniedError) return answer(KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, error.message);
      if (error instanceof TopicNotFoundError) return answer(KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION, error.message);
      const { errorCode, message } = kafkaErrorOf(error);
      if (errorCode === KAFKA_ERRORS.UNKNOWN_SERVER_ERROR) session.log(`kafka describe configs of '${name}' failed: ${(error as Error)?.stack ?? String(error)}`);
      return answer(errorCode, message);
    }
  }
}
