import type { KafkaReader } from '../wire/reader';
import type { KafkaWriter } from '../wire/writer';
import type { KafkaApi } from './api';

/**
 * AlterConfigs (key 33), v0-v2 (AlterConfigsRequest.json, AlterConfigsResponse.json;
 * flexible from v2): the legacy, non-incremental config change (kafkajs's
 * `admin.alterConfigs`). The configs named replace the resource's whole config.
 *
 * Request: Resources [ResourceType int8, ResourceName, Configs [Name, Value nullable]],
 * ValidateOnly bool. Response: ThrottleTimeMs int32, Responses [ErrorCode int16,
 * ErrorMessage nullable, ResourceType int8, ResourceName] — the shape
 * IncrementalAlterConfigs answers too.
 */
export interface AlterConfigsRequest {
  resources: { resourceType: number; resourceName: string; configs: { name: string; value: string | null }[] }[];
  validateOnly: boolean;
}

export interface AlterConfigsResourceResponse {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

export interface AlterConfigsResponse {
  throttleTimeMs: number;
  responses: AlterConfigsResourceResponse[];
}

const FLEXIBLE_FROM = 2;

export const ALTER_CONFIGS: KafkaApi<AlterConfigsRequest, AlterConfigsResponse> = {
  key: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: FLEXIBLE_FROM,

  decodeRequest(reader: KafkaReader, version: number): AlterConfigsRequest {
    const flexible = version >= FLEXIBLE_FROM;
    const resources = reader.arrayOf(
      flexible,
      (r) => {
        const resourceType = r.int8('resource type');
        const resourceName = r.stringOf(flexible, 'resource name');
        const configs = r.arrayOf(
          flexible,
          (c) => {
            const config = { name: c.stringOf(flexible, 'config name'), value: c.nullableStringOf(flexible, 'config value') };
            if (flexible) c.taggedFields();
            return config;
          },
          'configs',
          flexible ? 3 : 4,
        );
        if (flexible) r.taggedFields();
        return { resourceType, resourceName, configs };
      },
      'resources',
      flexible ? 4 : 7,
    );
    const validateOnly = reader.bool('validate only');
    if (flexible) reader.taggedFields();
    return { resources, validateOnly };
  },

  encodeRequest(writer: KafkaWriter, version: number, request: AlterConfigsRequest): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.arrayOf(flexible, request.resources, (w, resource) => {
      w.int8(resource.resourceType).stringOf(flexible, resource.resourceName);
      w.arrayOf(flexible, resource.configs, (c, config) => {
        c.stringOf(flexible, config.name).nullableStringOf(flexible, config.value);
        if (flexible) c.taggedFields();
      });
      if (flexible) w.taggedFields();
    });
    writer.bool(request.validateOnly);
    if (flexible) writer.taggedFields();
  },

  decodeResponse(reader: KafkaReader, version: number): AlterConfigsResponse {
    return decodeAlterConfigsResponse(reader, version >= FLEXIBLE_FROM);
  },

  encodeResponse(writer: KafkaWriter, version: number, response: AlterConfigsResponse): void {
    encodeAlterConfigsResponse(writer, version >= FLEXIBLE_FROM, response);
  },
};

/** AlterConfigs' and IncrementalAlterConfigs' response (the same fields in both). */
export function decodeAlterConfigsResponse(reader: KafkaReader, flexible: boolean): AlterConfigsResponse {
  const throttleTimeMs = reader.int32('throttle time');
  const responses = reader.arrayOf(
    flexible,
    (r) => {
      const errorCode = r.int16('error code');
      const errorMessage = r.nullableStringOf(flexible, 'error message');
      const resourceType = r.int8('resource type');
      const resourceName = r.stringOf(flexible, 'resource name');
      if (flexible) r.taggedFields();
      return { errorCode, errorMessage, resourceType, resourceName };
    },
    'responses',
    flexible ? 6 : 7,
  );
  if (flexible) reader.taggedFields();
  return { throttleTimeMs, responses };
}

export function encodeAlterConfigsResponse(writer: KafkaWriter, flexible: boolean, response: AlterConfigsResponse): void {
  writer.int32(response.throttleTimeMs);
  writer.arrayOf(flexible, response.responses, (w, result) => {
    w.int16(result.errorCode).nullableStringOf(flexible, result.errorMessage).int8(result.resourceType).stringOf(flexible, result.resourceName);
    if (flexible) w.taggedFields();
  });
  if (flexible) writer.taggedFields();
}
