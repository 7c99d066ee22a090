import * as z from 'zod/mini';
import { requireAccess } from '../../../auth/access-control';
import { AccessDeniedError } from '../../../auth/auth-errors';
import { TopicNotFoundError } from '../../../core/errors';
import { topicNameSchema } from '../../../protocol/identifiers';
import { alterTopicConfig, describeTopic } from '../../../topics/topic-service';
import { KAFKA_ERRORS } from '../../error-codes';
import type { AlterConfigsRequest, AlterConfigsResourceResponse, AlterConfigsResponse } from '../../messages/alter-configs';
import { CONFIG_RESOURCE } from '../../messages/describe-configs';
import { CONFIG_OPERATION, type IncrementalAlterConfigsRequest, type IncrementalAlterConfigsResponse } from '../../messages/incremental-alter-configs';
import type { Session } from '../session';
import { requireCaller, type RequestContext } from '../session';
import { isListConfig, listConfigValue, sluiceConfigChange } from '../topic-configs';
import { kafkaErrorOf } from './errors';
import { ADMIN_CONCURRENCY, mapBounded } from './map-bounded';

/**
 * IncrementalAlterConfigs: each TOPIC resource's SET and DELETE entries become one
 * alterTopicConfig change (DELETE: the default applies again). APPEND and SUBTRACT work on
 * list-typed configs, of Sluice's only cleanup.policy: as in Kafka, they apply to the
 * topic's current value (else the default), read fresh, and the result is set and
 * validated as a SET would be (a change of cleanup.policy landing between that read and
 * the write is overwritten: last writer wins, as with two HTTP PATCHes). On any other
 * config they are INVALID_CONFIG, as is a SET, APPEND or SUBTRACT without a value.
 */
export async function handleIncrementalAlterConfigs(request: IncrementalAlterConfigsRequest, { session }: RequestContext): Promise<IncrementalAlterConfigsResponse> {
  return alterResources(session, request.resources, request.validateOnly, async (resource, currentConfig) => {
    const entries: { name: string; value: string | null; list?: 'APPEND' | 'SUBTRACT' }[] = [];
    for (const config of resource.configs) {
      switch (config.configOperation) {
        case CONFIG_OPERATION.SET:
          if (config.value === null) return { problem: `config '${config.name}': SET needs a value (DELETE removes a config)` };
          entries.push({ name: config.name, value: config.value });
          break;
        case CONFIG_OPERATION.DELETE:
          entries.push({ name: config.name, value: null });
          break;
        case CONFIG_OPERATION.APPEND:
        case CONFIG_OPERATION.SUBTRACT: {
          const list = config.configOperation === CONFIG_OPERATION.APPEND ? 'APPEND' : 'SUBTRACT';
          if (!isListConfig(config.name)) return { problem: `config '${config.name}': APPEND and SUBTRACT change list configs, and cleanup.policy is Sluice's only one; use SET or DELETE` };
          if (config.value === null) return { problem: `config '${config.name}': ${list} needs a value` };
          entries.push({ name: config.name, value: config.value, list });
          break;
        }
        default:
          return { problem: `config '${config.name}': unknown config operation ${config.configOperation}` };
      }
    }
    const current = entries.some((entry) => entry.list) ? await currentConfig() : {};
    return sluiceConfigChange(entries.map(({ name, value, list }) => ({ name, value: list && value !== null ? listConfigValue(name, current, list, value) : value })));
  });
}

/**
 * AlterConfigs, the legacy call: the configs named replace the resource's whole config, so
 * every key the topic has set and the request does not name is removed (back to its
 * default), as a broker does. The topic is read fresh to know what it has set; a change
 * landing between that read and the write is kept for keys this request does not remove
 * (last writer wins per key, as with two HTTP PATCHes). A null value means "the default".
 */
export async function handleAlterConfigs(request: AlterConfigsRequest, { session }: RequestContext): Promise<AlterConfigsResponse> {
  return alterResources(session, request.resources, request.validateOnly, (resource) => sluiceConfigChange(resource.configs), true);
}

type Change = { change: Record<string, string | null> } | { problem: string };

/**
 * The checks both APIs share, per resource, in the HTTP PATCH route's order: a TOPIC
 * resource only (BROKER and the rest are INVALID_REQUEST: the gateway's own settings are
 * its environment's, and Sluice has no other configurable resources); a name Sluice could
 * hold (INVALID_TOPIC_EXCEPTION, as DescribeConfigs); ALTER_CONFIGS on the topic
 * (TOPIC_AUTHORIZATION_FAILED); the configs (INVALID_CONFIG, naming the first problem);
 * then the topic (UNKNOWN_TOPIC_OR_PARTITION). validateOnly runs every check, existence
 * included, and changes nothing. A resource named twice is INVALID_REQUEST for each entry;
 * each resource is answered on its own.
 */
async function alterResources<R extends { resourceType: number; resourceName: string }>(
  session: Session,
  resources: readonly R[],
  validateOnly: boolean,
  /** The resource's change; `currentConfig` reads the topic fresh (once per resource), for changes that depend on its values. */
  changeOf: (resource: R, currentConfig: () => Promise<Record<string, string>>) => Change | Promise<Change>,
  replaceWhole = false,
): Promise<AlterConfigsResponse> {
  const caller = requireCaller(session);
  const { ctx } = session;
  const keyOf = (r: R) => `${r.resourceType}:${r.resourceName}`;
  const counts = new Map<string, number>();
  for (const resource of resources) counts.set(keyOf(resource), (counts.get(keyOf(resource)) ?? 0) + 1);
  const responses = await mapBounded(resources, ADMIN_CONCURRENCY, alterOne);
  return { throttleTimeMs: 0, responses };

  async function alterOne(resource: R): Promise<AlterConfigsResourceResponse> {
    const answer = (errorCode: number, errorMessage: string | null): AlterConfigsResourceResponse => ({
      errorCode,
      errorMessage,
      resourceType: resource.resourceType,
      resourceName: resource.resourceName,
    });
    if (counts.get(keyOf(resource))! > 1) return answer(KAFKA_ERRORS.INVALID_REQUEST, 'the resource is named more than once in the request');
    if (resource.resourceType === CONFIG_RESOURCE.BROKER) return answer(KAFKA_ERRORS.INVALID_REQUEST, "broker configs cannot be changed over Kafka: the gateway's settings are its environment's");
    if (resource.resourceType !== CONFIG_RESOURCE.TOPIC) return answer(KAFKA_ERRORS.INVALID_REQUEST, `resource type ${resource.resourceType} is not supported: Sluice alters TOPIC (2) configs only`);
    const name = resource.resourceName;
    const valid = z.safeParse(topicNameSchema, name);
    if (!valid.success) return answer(KAFKA_ERRORS.INVALID_TOPIC_EXCEPTION, `topic name ${valid.error.issues[0]!.message}`);
    try {
      await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: name, operation: 'ALTER_CONFIGS' });
      let current: Record<string, string> | undefined;
      const currentConfig = async () => (current ??= (await describeTopic(ctx, name)).config);
      const mapped = await changeOf(resource, currentConfig);
      if ('problem' in mapped) return answer(KAFKA_ERRORS.INVALID_CONFIG, mapped.problem);
      const change = { ...mapped.change };
      if (replaceWhole || validateOnly || Object.keys(change).length === 0) {
        const config = await currentConfig();
        if (replaceWhole) for (const key of Object.keys(config)) if (!(key in change)) change[key] = null;
      }
      if (!validateOnly && Object.keys(change).length > 0) await alterTopicConfig(ctx, name, change);
      return answer(KAFKA_ERRORS.NONE, null);
    } catch (error) {
      if (error instanceof AccessDeniedError) return answer(KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, error.message);
      if (error instanceof TopicNotFoundError) return answer(KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION, error.message);
      const { errorCode, message } = kafkaErrorOf(error);
      if (errorCode === KAFKA_ERRORS.UNKNOWN_SERVER_ERROR) session.log(`kafka alter configs of '${name}' failed: ${(error as Error)?.stack ?? String(error)}`);
      return answer(errorCode, message);
    }
  }
}
