import type { KafkaReader } from '../wire/reader';
import type { KafkaWriter } from '../wire/writer';
import type { KafkaApi } from './api';

/**
 * DescribeConfigs (key 32), v0-v4 (DescribeConfigsRequest.json,
 * DescribeConfigsResponse.json; flexible from v4). kafkajs asks v0-v2, @platformatic/kafka
 * v2-v4.
 *
 * Request: Resources [ResourceType int8, ResourceName, ConfigurationKeys nullable
 * [string] (null: all)], IncludeSynonyms bool (v1+), IncludeDocumentation bool (v3+).
 *
 * Response: ThrottleTimeMs int32, Results [ErrorCode int16, ErrorMessage nullable,
 * ResourceType int8, ResourceName, Configs [Name, Value nullable, ReadOnly bool,
 * IsDefault bool (v0 only), ConfigSource int8 (v1+), IsSensitive bool, Synonyms [Name,
 * Value nullable, Source int8] (v1+), ConfigType int8 (v3+), Documentation nullable
 * (v3+)]]. An entry carries both `isDefault` and `configSource`; each version writes the
 * one it has.
 */
export interface DescribeConfigsRequest {
  resources: { resourceType: number; resourceName: string; configurationKeys: string[] | null }[];
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
  configType: number;
  documentation: string | null;
}

export interface DescribeConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: DescribedConfig[];
}

export interface DescribeConfigsResponse {
  throttleTimeMs: number;
  results: DescribeConfigsResult[];
}

/** ConfigResource types (Kafka's org.apache.kafka.common.config.ConfigResource.Type ids). */
export const CONFIG_RESOURCE = { TOPIC: 2, BROKER: 4 } as const;

/** ConfigSource ids (DescribeConfigsResponse.json). */
export const CONFIG_SOURCE = { UNKNOWN: 0, TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

/** ConfigType ids (v3+). */
export const CONFIG_TYPE = { UNKNOWN: 0, BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

const FLEXIBLE_FROM = 4;

export const DESCRIBE_CONFIGS: KafkaApi<DescribeConfigsRequest, DescribeConfigsResponse> = {
  key: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: FLEXIBLE_FROM,

  decodeRequest(reader: KafkaReader, version: number): DescribeConfigsRequest {
    const flexible = version >= FLEXIBLE_FROM;
    const resources = reader.arrayOf(
      flexible,
      (r) => {
        const resourceType = r.int8('resource type');
        const resourceName = r.stringOf(flexible, 'resource name');
        const configurationKeys = r.nullableArrayOf(flexible, (k) => k.stringOf(flexible, 'config name'), 'configuration keys', flexible ? 1 : 2);
        if (flexible) r.taggedFields();
        return { resourceType, resourceName, configurationKeys };
      },
      'resources',
      3,
    );
    const includeSynonyms = version >= 1 ? reader.bool('include synonyms') : false;
    const includeDocumentation = version >= 3 ? reader.bool('include documentation') : false;
    if (flexible) reader.taggedFields();
    return { resources, includeSynonyms, includeDocumentation };
  },

  encodeRequest(writer: KafkaWriter, version: number, request: DescribeConfigsRequest): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.arrayOf(flexible, request.resources, (w, resource) => {
      w.int8(resource.resourceType).stringOf(flexible, resource.resourceName);
      w.nullableArrayOf(flexible, resource.configurationKeys, (k, key) => k.stringOf(flexible, key));
      if (flexible) w.taggedFields();
    });
    if (version >= 1) writer.bool(request.includeSynonyms);
    if (version >= 3) writer.bool(request.includeDocumentation);
    if (flexible) writer.taggedFields();
  },

  decodeResponse(reader: KafkaReader, version: number): DescribeConfigsResponse {
    const flexible = version >= FLEXIBLE_FROM;
    const throttleTimeMs = reader.int32('throttle time');
    const results = reader.arrayOf(
      flexible,
      (r) => {
        const errorCode = r.int16('error code');
        const errorMessage = r.nullableStringOf(flexible, 'error message');
        const resourceType = r.int8('resource type');
        const resourceName = r.stringOf(flexible, 'resource name');
        const configs = r.arrayOf(
          flexible,
          (c) => {
            const name = c.stringOf(flexible, 'config name');
            const value = c.nullableStringOf(flexible, 'config value');
            const readOnly = c.bool('read only');
            const isDefault = version === 0 ? c.bool('is default') : false;
            const configSource = version >= 1 ? c.int8('config source') : -1;
            const isSensitive = c.bool('sensitive');
            const synonyms =
              version >= 1
                ? c.arrayOf(
                    flexible,
                    (s) => {
                      const synonym = { name: s.stringOf(flexible, 'synonym name'), value: s.nullableStringOf(flexible, 'synonym value'), source: s.int8('synonym source') };
                      if (flexible) s.taggedFields();
                      return synonym;
                    },
                    'synonyms',
                    3,
                  )
                : [];
            const configType = version >= 3 ? c.int8('config type') : 0;
            const documentation = version >= 3 ? c.nullableStringOf(flexible, 'documentation') : null;
            if (flexible) c.taggedFields();
            return { name, value, readOnly, isDefault, configSource, isSensitive, synonyms, configType, documentation };
          },
          'configs',
          4,
        );
        if (flexible) r.taggedFields();
        return { errorCode, errorMessage, resourceType, resourceName, configs };
      },
      'results',
      6,
    );
    if (flexible) reader.taggedFields();
    return { throttleTimeMs, results };
  },

  encodeResponse(writer: KafkaWriter, version: number, response: DescribeConfigsResponse): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.int32(response.throttleTimeMs);
    writer.arrayOf(flexible, response.results, (w, result) => {
      w.int16(result.errorCode).nullableStringOf(flexible, result.errorMessage).int8(result.resourceType).stringOf(flexible, result.resourceName);
      w.arrayOf(flexible, result.configs, (c, config) => {
        c.stringOf(flexible, config.name).nullableStringOf(flexible, config.value).bool(config.readOnly);
        if (version === 0) c.bool(config.isDefault);
        else c.int8(config.configSource);
        c.bool(config.isSensitive);
        if (version >= 1) {
          c.arrayOf(flexible, config.synonyms, (s, synonym) => {
            s.stringOf(flexible, synonym.name).nullableStringOf(flexible, synonym.value).int8(synonym.source);
            if (flexible) s.taggedFields();
          });
        }
        if (version >= 3) c.int8(config.configType).nullableStringOf(flexible, config.documentation);
        if (flexible) c.taggedFields();
      });
      if (flexible) w.taggedFields();
    });
    if (flexible) writer.taggedFields();
  },
};
