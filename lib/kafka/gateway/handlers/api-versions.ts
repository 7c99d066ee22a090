import { KAFKA_ERRORS } from '../../error-codes';
import type { ApiVersionsRequest, ApiVersionsResponse } from '../../messages/api-versions';
import { supportedVersionRanges } from '../../messages/supported-apis';

/** ApiVersions: the supported table. The client software name and version are not checked. */
export async function handleApiVersions(_request: ApiVersionsRequest): Promise<ApiVersionsResponse> {
  return { errorCode: KAFKA_ERRORS.NONE, apiKeys: supportedVersionRanges(), throttleTimeMs: 0 };
}

/**
 * The answer to an ApiVersions request of a version the gateway does not support: the
 * spec (KIP-511) has the broker answer UNSUPPORTED_VERSION at v0 with its ranges, so
 * the client can retry with a version both sides know.
 */
export function unsupportedApiVersionsResponse(): ApiVersionsResponse {
  return { errorCode: KAFKA_ERRORS.UNSUPPORTED_VERSION, apiKeys: supportedVersionRanges(), throttleTimeMs: 0 };
}
