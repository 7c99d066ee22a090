import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ThrottlingException } from '@aws-sdk/client-dynamodb';
import { KAFKA_ERRORS } from '../../../../lib/kafka/error-codes';
import { kafkaErrorOf } from '../../../../lib/kafka/gateway/handlers/errors';

/**
 * Storage that is busy or unreachable once the SDK's retries are spent is a retriable
 * Kafka code (REQUEST_TIMED_OUT), as the HTTP API answers it 503 SERVICE_BUSY, not
 * UNKNOWN_SERVER_ERROR, which clients do not retry (the safety check's DynamoDB Local
 * restart found kafkajs giving up on it).
 */
describe('kafkaErrorOf, storage failures', () => {
  it('answers a refused connection and a throttle REQUEST_TIMED_OUT', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
    assert.equal(kafkaErrorOf(refused).errorCode, KAFKA_ERRORS.REQUEST_TIMED_OUT);
    assert.equal(kafkaErrorOf(new ThrottlingException({ message: 'slow down', $metadata: {} })).errorCode, KAFKA_ERRORS.REQUEST_TIMED_OUT);
  });

  it('still answers anything unexpected UNKNOWN_SERVER_ERROR', () => {
    assert.equal(kafkaErrorOf(new TypeError('x is undefined')).errorCode, KAFKA_ERRORS.UNKNOWN_SERVER_ERROR);
    assert.equal(kafkaErrorOf('a string').errorCode, KAFKA_ERRORS.UNKNOWN_SERVER_ERROR);
  });
});
