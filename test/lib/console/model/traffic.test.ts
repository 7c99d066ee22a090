import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  base64Bytes,
  DEFAULT_RETENTION_HOURS,
  longestRetention,
  payloadBytesPerRecord,
  storedBytesPerRecord,
  totalPartitions,
  trafficBetween,
  type SampledTopic,
  type TrafficSample,
} from '../../../../lib/console/model/traffic';

const topic = (name: string, topicId: string, highWatermarks: number[], extra: Partial<SampledTopic> = {}): SampledTopic => ({
  name,
  topicId,
  partitions: highWatermarks.map((highWatermark, partition) => ({ partition, logStartOffset: 0, highWatermark })),
  config: {},
  ...extra,
});
const sample = (at: number, ...topics: SampledTopic[]): TrafficSample => ({ at, topics });

describe('trafficBetween', () => {
  it('divides the high watermarks’ growth over every partition by the seconds between the samples', () => {
    const rate = trafficBetween(sample(1_000, topic('a', 'a1', [10, 20]), topic('b', 'b1', [5])), sample(5_000, topic('a', 'a1', [30, 25]), topic('b', 'b1', [9])));
    assert.equal(rate.seconds, 4);
    assert.equal(rate.records, 29);
    assert.equal(rate.recordsPerSecond, 29 / 4);
    assert.deepEqual(rate.byTopic, { a: 25, b: 4 });
  });

  it('answers 0 records/s when nothing was written', () => {
    const rate = trafficBetween(sample(0, topic('a', 'a1', [7])), sample(3_000, topic('a', 'a1', [7])));
    assert.equal(rate.records, 0);
    assert.equal(rate.recordsPerSecond, 0);
    assert.deepEqual(rate.byTopic, {});
  });

  it('answers 0 records/s, not a division by zero, for two samples at the same time', () => {
    const rate = trafficBetween(sample(1_000, topic('a', 'a1', [1])), sample(1_000, topic('a', 'a1', [4])));
    assert.equal(rate.recordsPerSecond, 0);
  });

  it('counts a recreated topic (a new topicId) from 0, not as the difference from the old one', () => {
    const rate = trafficBetween(sample(0, topic('a', 'old', [100])), sample(2_000, topic('a', 'new', [6])));
    assert.equal(rate.records, 6);
  });

  it('counts a high watermark that went back as written from 0 rather than negative traffic', () => {
    const rate = trafficBetween(sample(0, topic('a', 'a1', [100])), sample(2_000, topic('a', 'a1', [4])));
    assert.equal(rate.records, 4);
  });

  it('counts a topic created after the first sample, and added partitions, from 0', () => {
    const rate = trafficBetween(sample(0, topic('a', 'a1', [3])), sample(1_000, topic('a', 'a1', [3, 2]), topic('b', 'b1', [5])));
    assert.equal(rate.records, 7);
  });

  it('ignores a topic deleted since the first sample', () => {
    const rate = trafficBetween(sample(0, topic('a', 'a1', [3]), topic('gone', 'g1', [50])), sample(1_000, topic('a', 'a1', [4])));
    assert.equal(rate.records, 1);
  });
});

describe('storedBytesPerRecord', () => {
  const withBytes = (name: string, held: number, storedBytes: number): SampledTopic => ({
    name,
    topicId: name,
    partitions: [{ partition: 0, logStartOffset: 10, highWatermark: 10 + held, storedBytes }],
    config: {},
  });

  it('averages stored bytes over held records of the topics written', () => {
    assert.equal(storedBytesPerRecord(sample(0, withBytes('busy', 10, 2_000), withBytes('idle', 10, 100_000)), { busy: 3 }), 200);
  });

  it('averages over every topic holding records when none was written', () => {
    assert.equal(storedBytesPerRecord(sample(0, withBytes('a', 10, 1_000), withBytes('b', 30, 7_000))), 200);
  });

  it('is undefined when no partition reports stored bytes (an older server)', () => {
    assert.equal(storedBytesPerRecord(sample(0, topic('a', 'a1', [10]))), undefined);
  });

  it('is undefined when no partition holds a record', () => {
    assert.equal(storedBytesPerRecord(sample(0, withBytes('a', 0, 0))), undefined);
  });
});

describe('payloadBytesPerRecord', () => {
  it('averages decoded key and value bytes', () => {
    // 'aGVsbG8=' is 5 bytes, 'AAAA' is 3 bytes, 'AA==' is 1 byte.
    assert.equal(payloadBytesPerRecord([{ key: 'AAAA', value: 'aGVsbG8=' }, { key: null, value: 'AA==' }]), (3 + 5 + 1) / 2);
  });

  it('is undefined for no records', () => {
    assert.equal(payloadBytesPerRecord([]), undefined);
  });

  it('counts base64 padding out', () => {
    assert.deepEqual(['', 'AA==', 'AAA=', 'AAAA'].map(base64Bytes), [0, 1, 2, 3]);
  });
});

describe('totalPartitions and longestRetention', () => {
  it('sums partitions over topics', () => {
    assert.equal(totalPartitions(sample(0, topic('a', 'a', [0, 0, 0]), topic('b', 'b', [0]))), 4);
  });

  it('takes the longest retention.ms, and the default for a topic without one', () => {
    assert.deepEqual(longestRetention(sample(0, topic('a', 'a', [0], { config: { 'retention.ms': String(2 * 3_600_000) } }))), { hours: 2, unlimited: 0 });
    assert.deepEqual(longestRetention(sample(0, topic('a', 'a', [0], { config: { 'retention.ms': String(2 * 3_600_000) } }), topic('b', 'b', [0]))), { hours: DEFAULT_RETENTION_HOURS, unlimited: 0 });
  });

  it('counts topics kept forever apart, since they have no figure to price', () => {
    assert.deepEqual(longestRetention(sample(0, topic('a', 'a', [0], { config: { 'retention.ms': '-1' } }))), { hours: DEFAULT_RETENTION_HOURS, unlimited: 1 });
  });
});
