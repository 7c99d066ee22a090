import type { KafkaReader } from '../wire/reader';
import type { KafkaWriter } from '../wire/writer';
import type { KafkaApi } from './api';

/**
 * InitProducerId (key 22), v0-v4 (InitProducerIdRequest.json, InitProducerIdResponse.json;
 * flexible from v2).
 *
 * Request: TransactionalId nullable string, TransactionTimeoutMs int32, ProducerId int64
 * (v3+), ProducerEpoch int16 (v3+). Response: ThrottleTimeMs int32, ErrorCode int16,
 * ProducerId int64, ProducerEpoch int16.
 */
export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  producerId: number;
  producerEpoch: number;
}

export interface InitProducerIdResponse {
  throttleTimeMs: number;
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

const FLEXIBLE_FROM = 2;

export const INIT_PRODUCER_ID: KafkaApi<InitProducerIdRequest, InitProducerIdResponse> = {
  key: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: FLEXIBLE_FROM,

  decodeRequest(reader: KafkaReader, version: number): InitProducerIdRequest {
    const flexible = version >= FLEXIBLE_FROM;
    const transactionalId = reader.nullableStringOf(flexible, 'transactional id');
    const transactionTimeoutMs = reader.int32('transaction timeout');
    const producerId = version >= 3 ? Number(reader.int64('producer id')) : -1;
    const producerEpoch = version >= 3 ? reader.int16('producer epoch') : -1;
    if (flexible) reader.taggedFields();
    return { transactionalId, transactionTimeoutMs, producerId, producerEpoch };
  },

  encodeRequest(writer: KafkaWriter, version: number, request: InitProducerIdRequest): void {
    const flexible = version >= FLEXIBLE_FROM;
    writer.nullableStringOf(flexible, request.transactionalId).int32(request.transactionTimeoutMs);
    if (version >= 3) writer.int64(request.producerId).int16(request.producerEpoch);
    if (flexible) writer.taggedFields();
  },

  decodeResponse(reader: KafkaReader, version: number): InitProducerIdResponse {
    const flexible = version >= FLEXIBLE_FROM;
    const response = {
      throttleTimeMs: reader.int32('throttle time'),
      errorCode: reader.int16('error code'),
      producerId: Number(reader.int64('producer id')),
      producerEpoch: reader.int16('producer epoch'),
    };
    if (flexible) reader.taggedFields();
    return response;
  },

  encodeResponse(writer: KafkaWriter, version: number, response: InitProducerIdResponse): void {
    writer.int32(response.throttleTimeMs).int16(response.errorCode).int64(response.producerId).int16(response.producerEpoch);
    if (version >= FLEXIBLE_FROM) writer.taggedFields();
  },
};
