import type { KafkaReader } from '../wire/reader';
import type { KafkaWriter } from '../wire/writer';
import type { KafkaApi } from './api';

/**
 * SaslHandshake (key 17), v0-v1 (SaslHandshakeRequest.json, SaslHandshakeResponse.json;
 * never flexible). The two versions are the same message; they differ in what follows:
 * after v1 the mechanism's messages travel in SaslAuthenticate requests, after v0 as
 * bare size-prefixed frames outside Kafka's request framing (the gateway takes both:
 * connection.ts). v0 must be offered anyway: librdkafka decides whether a broker
 * supports SASL handshakes at all by SaslHandshake v0 being in its ApiVersions range.
 *
 * Request: Mechanism string. Response: ErrorCode int16, Mechanisms [string] (the ones
 * the broker enables).
 */
export interface SaslHandshakeRequest {
  mechanism: string;
}

export interface SaslHandshakeResponse {
  errorCode: number;
  mechanisms: string[];
}

export const SASL_HANDSHAKE: KafkaApi<SaslHandshakeRequest, SaslHandshakeResponse> = {
  key: 17,
  name: 'SaslHandshake',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: Infinity,

  decodeRequest(reader: KafkaReader): SaslHandshakeRequest {
    return { mechanism: reader.string('mechanism') };
  },

  encodeRequest(writer: KafkaWriter, _version: number, request: SaslHandshakeRequest): void {
    writer.string(request.mechanism);
  },

  decodeResponse(reader: KafkaReader): SaslHandshakeResponse {
    const errorCode = reader.int16('error code');
    return { errorCode, mechanisms: reader.array((r) => r.string('mechanism'), 'mechanisms', 2) };
  },

  encodeResponse(writer: KafkaWriter, _version: number, response: SaslHandshakeResponse): void {
    writer.int16(response.errorCode).array(response.mechanisms, (w, mechanism) => w.string(mechanism));
  },
};
