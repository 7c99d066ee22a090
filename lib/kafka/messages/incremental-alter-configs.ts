import type { KafkaReader } from '../wire/reader';
import type { KafkaWriter } from '../wire/writer';
import { decodeAlterConfigsResponse, encodeAlterConfigsResponse, type AlterConfigsResponse } from './alter-configs';
import type { KafkaApi } from './api';

/**
 * IncrementalAlterConfigs (key 44), v0-v1 (IncrementalAlterConfigsRequest.json,
 * IncrementalAlterConfigsResponse.json; flexible from v1). @platformatic/kafka asks v0-v1.
 *
 * Request: Resources [ResourceType int8, ResourceName, Configs [Name, ConfigOperation int8
 * (CONFIG_OPERATION), Value nullable]], ValidateOnly bool. Response: as AlterConfigs'.
 */
export interface IncrementalAlterConfigsRequest {
  resources: { resourceType: number; resourceName: string; configs: { name: string; configOperation: number; value: string | null }[] }[];
  validateOnly: boolean;
}

export type IncrementalAlterConfigsResponse = AlterConfigsResponse;

/** ConfigOperation ids (org.apache.kafka.clients.admin.AlterConfigOp.OpType). */
export const CONFIG_OPERATION = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

const FLEXIBLE_FROM = 1;

export const INCREMENTAL_ALTER_CONFIGS: KafkaApi<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> = {
  key: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: FLEXIBLE_FROM,

  decodeRequest(reader: KafkaReader, version: number): IncrementalAlterConfigsRequest {
    const flexible = version >= FLEXIBLE_FROM;
    const resources = reader.arrayOf(
      flexible,
      (r) => {
        const resourceType = r.int8('resource type');
        const resourceName = r.stringOf(flexible, 'resource name');
        const configs = r.arrayOf(
          flexible,
          (c) => {
            const config = { name: c.stringOf(flexible, 'config name'), configOperation: c.int8('config operation'), value: c.nullableStringOf(flexible, 'config value') };
            if (flexible) c.taggedFields();
            return config;
          },
          'configs',
          flexible ? 4 : 5,
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

  encodeRequest(writer: KafkaWriter, version: number, request: IncrementalAlterConfigsRequest): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.arrayOf(flexible, request.resources, (w, resource) => {
      w.int8(resource.resourceType).stringOf(flexible, resource.resourceName);
      w.arrayOf(flexible, resource.configs, (c, config) => {
        c.stringOf(flexible, config.name).int8(config.configOperation).nullableStringOf(flexible, config.value);
        if (flexible) c.taggedFields();
      });
      if (flexible) w.taggedFields();
    });
    writer.bool(request.validateOnly);
    if (flexible) writer.taggedFields();
  },

  decodeResponse(reader: KafkaReader, version: number): IncrementalAlterConfigsResponse {
    return decodeAlterConfigsResponse(reader, version >= FLEXIBLE_FROM);
  },

  encodeResponse(writer: KafkaWriter, version: number, response: IncrementalAlterConfigsResponse): void {
    encodeAlterConfigsResponse(writer, version >= FLEXIBLE_FROM, response);
  },
};
