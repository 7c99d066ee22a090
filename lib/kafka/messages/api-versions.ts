import type { KafkaReader } from '../wire/reader';
import type { KafkaWriter } from '../wire/writer';
import { API_VERSIONS_KEY, type KafkaApi } from './api';

/**
 * ApiVersions (key 18), v0-v3 (ApiVersionsRequest.json, ApiVersionsResponse.json).
 *
 * Request: empty in v0-v2; v3 (flexible) has ClientSoftwareName and
 * ClientSoftwareVersion (compact strings) and tagged fields.
 * Response: ErrorCode int16, ApiKeys [ApiKey int16, MinVersion int16, MaxVersion int16],
 * ThrottleTimeMs int32 (v1+); v3 compact array, tagged fields per key and at the end
 * (SupportedFeatures, FinalizedFeaturesEpoch, FinalizedFeatures, ZkMigrationReady: the
 * gateway writes none and skips them when reading).
 */
export interface ApiVersionsRequest {
  clientSoftwareName: string;
  clientSoftwareVersion: string;
}

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiKeys: ApiVersionRange[];
  throttleTimeMs: number;
}

const FLEXIBLE_FROM = 3;

export const API_VERSIONS: KafkaApi<ApiVersionsRequest, ApiVersionsResponse> = {
  key: API_VERSIONS_KEY,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: FLEXIBLE_FROM,

  decodeRequest(reader: KafkaReader, version: number): ApiVersionsRequest {
    if (version < FLEXIBLE_FROM) return { clientSoftwareName: '', clientSoftwareVersion: '' };
    const clientSoftwareName = reader.compactString('client software name');
    const clientSoftwareVersion = reader.compactString('client software version');
    reader.taggedFields();
    return { clientSoftwareName, clientSoftwareVersion };
  },

  encodeRequest(writer: KafkaWriter, version: number, request: ApiVersionsRequest): void {
    if (version < FLEXIBLE_FROM) return;
    writer.compactString(request.clientSoftwareName).compactString(request.clientSoftwareVersion).taggedFields();
  },

  decodeResponse(reader: KafkaReader, version: number): ApiVersionsResponse {
    const flexible = version >= FLEXIBLE_FROM;
    const errorCode = reader.int16('error code');
    const apiKeys = reader.arrayOf(
      flexible,
      (r) => {
        const range = { apiKey: r.int16('api key'), minVersion: r.int16('min version'), maxVersion: r.int16('max version') };
        if (flexible) r.taggedFields();
        return range;
      },
      'api keys',
      6,
    );
    const throttleTimeMs = version >= 1 ? reader.int32('throttle time') : 0;
    if (flexible) reader.taggedFields();
    return { errorCode, apiKeys, throttleTimeMs };
  },

  encodeResponse(writer: KafkaWriter, version: number, response: ApiVersionsResponse): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.int16(response.errorCode);
    writer.arrayOf(flexible, response.apiKeys, (w, range) => {
      w.int16(range.apiKey).int16(range.minVersion).int16(range.maxVersion);
      if (flexible) w.taggedFields();
    });
    if (version >= 1) writer.int32(response.throttleTimeMs);
    if (flexible) writer.taggedFields();
  },
};
