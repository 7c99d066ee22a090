import type { RequestHeaderVersion, ResponseHeaderVersion } from '../wire/headers';
import type { KafkaReader } from '../wire/reader';
import type { KafkaWriter } from '../wire/writer';

/**
 * One Kafka API as the gateway speaks it: its key, the versions it supports, the first
 * flexible version (compact strings and arrays, tagged fields; from the message's JSON
 * definition, `flexibleVersions`), and the codecs of its request and response bodies.
 * Both directions are coded: the gateway uses request decoding and response encoding;
 * the tests (and any Kafka-speaking tool of Sluice's) the other two.
 */
export interface KafkaApi<Request, Response> {
  readonly key: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** The first flexible version; Infinity when none of the supported ones is. */
  readonly flexibleFrom: number;
  decodeRequest(reader: KafkaReader, version: number): Request;
  encodeRequest(writer: KafkaWriter, version: number, request: Request): void;
  decodeResponse(reader: KafkaReader, version: number): Response;
  encodeResponse(writer: KafkaWriter, version: number, response: Response): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyKafkaApi = KafkaApi<any, any>;

export const API_VERSIONS_KEY = 18;

export function supportsVersion(api: AnyKafkaApi, version: number): boolean {
  return version >= api.minVersion && version <= api.maxVersion;
}

export function isFlexible(api: AnyKafkaApi, version: number): boolean {
  return version >= api.flexibleFrom;
}

export function requestHeaderVersion(api: AnyKafkaApi, version: number): RequestHeaderVersion {
  return isFlexible(api, version) ? 2 : 1;
}

/** ApiVersions responses always use header v0 (see wire/headers.ts). */
export function responseHeaderVersion(api: AnyKafkaApi, version: number): ResponseHeaderVersion {
  return api.key !== API_VERSIONS_KEY && isFlexible(api, version) ? 1 : 0;
}
