import type { KafkaReader } from './reader';
import type { KafkaWriter } from './writer';

/**
 * Request and response headers (kafka.apache.org/protocol, "Headers";
 * RequestHeader.json, ResponseHeader.json).
 *
 * - Request header v1: api key int16, api version int16, correlation id int32, client id
 *   (a nullable STRING with the classic int16 length, in every version, so any broker
 *   can read an ApiVersions request's header). v2 adds a tagged-field section: used by
 *   every flexible request version. v0 (no client id) serves only ControlledShutdown
 *   v0, which the gateway does not support.
 * - Response header v0: correlation id int32. v1 adds a tagged-field section: used by
 *   every flexible response version except ApiVersions, whose responses always use v0
 *   so a client that does not yet know the broker's versions can read them.
 */
export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export type RequestHeaderVersion = 1 | 2;
export type ResponseHeaderVersion = 0 | 1;

/** The fixed start of every request header: enough to pick the API, its version and answer. */
export interface RequestPrefix {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

export function readRequestPrefix(reader: KafkaReader): RequestPrefix {
  const apiKey = reader.int16('request api key');
  const apiVersion = reader.int16('request api version');
  const correlationId = reader.int32('correlation id');
  return { apiKey, apiVersion, correlationId };
}

/** The rest of a request header after its prefix: the client id and, in v2, the tagged fields (all skipped). */
export function readRequestHeaderRest(reader: KafkaReader, prefix: RequestPrefix, version: RequestHeaderVersion): RequestHeader {
  const clientId = reader.nullableString('client id');
  if (version >= 2) reader.taggedFields(undefined, 'request header tagged fields');
  return { ...prefix, clientId };
}

export function readRequestHeader(reader: KafkaReader, version: RequestHeaderVersion): RequestHeader {
  return readRequestHeaderRest(reader, readRequestPrefix(reader), version);
}

export function writeRequestHeader(writer: KafkaWriter, header: RequestHeader, version: RequestHeaderVersion): void {
  writer.int16(header.apiKey).int16(header.apiVersion).int32(header.correlationId).nullableString(header.clientId);
  if (version >= 2) writer.taggedFields();
}

export function readResponseHeader(reader: KafkaReader, version: ResponseHeaderVersion): { correlationId: number } {
  const correlationId = reader.int32('correlation id');
  if (version >= 1) reader.taggedFields(undefined, 'response header tagged fields');
  return { correlationId };
}

export function writeResponseHeader(writer: KafkaWriter, correlationId: number, version: ResponseHeaderVersion): void {
  writer.int32(correlationId);
  if (version >= 1) writer.taggedFields();
}
