import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kafkaErrorCode, kafkaSummary, offsetsFromMetadata } from '../../safety/kafka-clients';
import type { SendAttempt } from '../../safety/history';

/** The safety run's reading of kafkajs answers: offsets per record from each partition's baseOffset, and error codes. */
describe('safety Kafka clients, reading kafkajs answers', () => {
  const meta = (partition: number, baseOffset: string, errorCode = 0) => ({ topicName: 'safety', partition, errorCode, baseOffset });

  it('gives each record its offset: its partition base, plus the records before it in that partition', () => {
    const records = [{ partition: 1 }, { partition: 0 }, { partition: 1 }];
    assert.deepEqual(offsetsFromMetadata(records, [meta(0, '7'), meta(1, '40')]), [40, 7, 41]);
  });

  it('gives no offsets when kafkajs wrote to partitions other than the keys map to, or a partition has none', () => {
    assert.match(String(offsetsFromMetadata([{ partition: 0 }], [meta(2, '3')])), /kafkajs wrote to partitions 2, the keys map to 0/);
    assert.match(String(offsetsFromMetadata([{ partition: 0 }], [{ topicName: 'safety', partition: 0, errorCode: 0 }])), /without an offset/);
  });

  it('names an error by its protocol type, through a retries-exceeded wrapper', () => {
    const protocol = Object.assign(new Error('timed out'), { name: 'KafkaJSProtocolError', type: 'REQUEST_TIMED_OUT', retriable: true });
    const wrapped = Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', cause: protocol });
    assert.equal(kafkaErrorCode(wrapped), 'REQUEST_TIMED_OUT');
    assert.equal(kafkaErrorCode(Object.assign(new Error('closed'), { name: 'KafkaJSConnectionClosedError' })), 'KafkaJSConnectionClosedError');
  });

  it('sums Kafka sends only', () => {
    const send = (via: SendAttempt['via'], outcome: SendAttempt['outcome'], sendId: string, extra: Partial<SendAttempt> = {}): SendAttempt => ({
      type: 'send',
      sendId,
      attempt: 1,
      producer: 'x',
      idempotent: false,
      values: ['a', 'b'],
      partitions: [0, 0],
      start: 0,
      end: 1,
      outcome,
      via,
      ...extra,
    });
    const summary = kafkaSummary([send('kafka', 'ok', 'k.1', { offsets: [0, 1] }), send('kafka', 'unknown', 'k.2', { code: 'REQUEST_TIMED_OUT' }), send('http', 'ok', 'p.1', { offsets: [2, 3] })]);
    assert.deepEqual(summary, { sends: 2, attempts: { ok: 1, fail: 0, unknown: 1 }, valuesAcknowledged: 2, codes: { REQUEST_TIMED_OUT: 1 } });
  });
});
