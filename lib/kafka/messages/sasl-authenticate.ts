import type { KafkaReader } from '../wire/reader';
import type { KafkaWriter } from '../wire/writer';
import type { KafkaApi } from './api';

/**
 * SaslAuthenticate (key 36), v0-v2 (SaslAuthenticateRequest.json,
 * SaslAuthenticateResponse.json; flexible from v2).
 *
 * Request: AuthBytes bytes (the mechanism's message; for PLAIN
 * `authzid NUL authcid NUL password`). Response: ErrorCode int16, ErrorMessage nullable
 * string, AuthBytes bytes, SessionLifetimeMs int64 (v1+; 0: no re-authentication).
 */
export interface SaslAuthenticateRequest {
  authBytes: Buffer;
}

export interface SaslAuthenticateResponse {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
  sessionLifetimeMs: number;
}

const FLEXIBLE_FROM = 2;

export const SASL_AUTHENTICATE: KafkaApi<SaslAuthenticateRequest, SaslAuthenticateResponse> = {
  key: 36,
  name: 'SaslAuthenticate',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: FLEXIBLE_FROM,

  decodeRequest(reader: KafkaReader, version: number): SaslAuthenticateRequest {
    const flexible = version >= FLEXIBLE_FROM;
    const authBytes = reader.bytesOf(flexible, 'auth bytes');
    if (flexible) reader.taggedFields();
    return { authBytes };
  },

  encodeRequest(writer: KafkaWriter, version: number, request: SaslAuthenticateRequest): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.bytesOf(flexible, request.authBytes);
    if (flexible) writer.taggedFields();
  },

  decodeResponse(reader: KafkaReader, version: number): SaslAuthenticateResponse {
    const flexible = version >= FLEXIBLE_FROM;
    const errorCode = reader.int16('error code');
    const errorMessage = reader.nullableStringOf(flexible, 'error message');
    const authBytes = reader.bytesOf(flexible, 'auth bytes');
    const sessionLifetimeMs = version >= 1 ? Number(reader.int64('session lifetime')) : 0;
    if (flexible) reader.taggedFields();
    return { errorCode, errorMessage, authBytes, sessionLifetimeMs };
  },

  encodeResponse(writer: KafkaWriter, version: number, response: SaslAuthenticateResponse): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.int16(response.errorCode).nullableStringOf(flexible, response.errorMessage).bytesOf(flexible, response.authBytes);
    if (version >= 1) writer.int64(response.sessionLifetimeMs);
    if (flexible) writer.taggedFields();
  },
};
