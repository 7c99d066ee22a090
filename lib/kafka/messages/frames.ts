import { readRequestHeaderRest, readRequestPrefix, readResponseHeader, writeRequestHeader, writeResponseHeader, type RequestHeader, type RequestPrefix } from '../wire/headers';
import { KafkaReader } from '../wire/reader';
import { KafkaWriter } from '../wire/writer';
import { requestHeaderVersion, responseHeaderVersion, supportsVersion, type AnyKafkaApi, type KafkaApi } from './api';
import { apiByKey } from './supported-apis';

/** Bytes of a frame's size field: a big-endian int32 counting the bytes after it. */
export const FRAME_SIZE_BYTES = 4;

/**
 * One request frame (the bytes after its size), decoded as far as the gateway can:
 *
 * - `request`: a supported API at a supported version, header and body decoded;
 * - `unsupported-version`: a supported API at another version; only the header's fixed
 *   prefix is read (a newer version's header or body may not be readable);
 * - `unknown-api`: an API key the gateway does not speak; only the prefix is read.
 *
 * Throws KafkaDecodeError, and nothing else, when the frame is short or malformed.
 * Bytes after the body are ignored, as Kafka's own request parser does.
 */
export type DecodedRequest =
  | { kind: 'request'; api: AnyKafkaApi; header: RequestHeader; body: unknown }
  | { kind: 'unsupported-version'; api: AnyKafkaApi; prefix: RequestPrefix }
  | { kind: 'unknown-api'; prefix: RequestPrefix };

export function decodeRequestFrame(frame: Uint8Array): DecodedRequest {
  const reader = new KafkaReader(frame);
  const prefix = readRequestPrefix(reader);
  const api = apiByKey(prefix.apiKey);
  if (!api) return { kind: 'unknown-api', prefix };
  if (!supportsVersion(api, prefix.apiVersion)) return { kind: 'unsupported-version', api, prefix };
  const header = readRequestHeaderRest(reader, prefix, requestHeaderVersion(api, prefix.apiVersion));
  const body: unknown = api.decodeRequest(reader, prefix.apiVersion);
  return { kind: 'request', api, header, body };
}

/** A response frame, size included, ready to write to the socket. */
export function encodeResponseFrame<Response>(api: KafkaApi<unknown, Response>, version: number, correlationId: number, response: Response): Buffer {
  const writer = new KafkaWriter();
  writer.int32(0);
  writeResponseHeader(writer, correlationId, responseHeaderVersion(api, version));
  api.encodeResponse(writer, version, response);
  writer.setInt32(0, writer.length - FRAME_SIZE_BYTES);
  return writer.toBuffer();
}

/** A request frame, size included (the client's side: tests and tools). */
export function encodeRequestFrame<Request>(api: KafkaApi<Request, unknown>, header: Omit<RequestHeader, 'apiKey'>, request: Request): Buffer {
  const writer = new KafkaWriter();
  writer.int32(0);
  writeRequestHeader(writer, { ...header, apiKey: api.key }, requestHeaderVersion(api, header.apiVersion));
  api.encodeRequest(writer, header.apiVersion, request);
  writer.setInt32(0, writer.length - FRAME_SIZE_BYTES);
  return writer.toBuffer();
}

/** A response frame's header and body (the bytes after its size; the client's side). */
export function decodeResponseFrame<Response>(api: KafkaApi<unknown, Response>, version: number, frame: Uint8Array): { correlationId: number; body: Response } {
  const reader = new KafkaReader(frame);
  const { correlationId } = readResponseHeader(reader, responseHeaderVersion(api, version));
  return { correlationId, body: api.decodeResponse(reader, version) };
}
