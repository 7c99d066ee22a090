import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Producer as PlatformaticProducer, stringSerializers } from '@platformatic/kafka';
import fc from 'fast-check';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { encodeRequestFrame } from '../../../../lib/kafka/messages/frames';
import { countsOf, RequestCounter } from '../../../../lib/cost/request-accounting';
import { KAFKA_ERRORS } from '../../../../lib/kafka/error-codes';
import { FETCH, type FetchRequest } from '../../../../lib/kafka/messages/fetch';
import { INIT_PRODUCER_ID } from '../../../../lib/kafka/messages/init-producer-id';
import { API_VERSIONS } from '../../../../lib/kafka/messages/api-versions';
import { LIST_OFFSETS } from '../../../../lib/kafka/messages/list-offsets';
import { METADATA } from '../../../../lib/kafka/messages/metadata';
import { PRODUCE } from '../../../../lib/kafka/messages/produce';
import { decodeRecordBatches, encodeRecordBatch, type KafkaRecord } from '../../../../lib/kafka/records/record-batch';
import { ZERO_UUID, kafkaTopicId } from '../../../../lib/kafka/wire/uuid';
import { RawKafkaConnection } from '../../../support/kafka-wire-client';
import { call, startTestPlatform, type TestPlatform } from '../../../support/local-platform';

/**
 * Produce, Fetch and ListOffsets through the gateway, against the local platform:
 * kafkajs producing (Produce v7, non-flexible) read back over HTTP, HTTP records read
 * back over Kafka with the gateway's own codecs acting as the client (Fetch v4, v11 and
 * flexible v12; ListOffsets v1 and flexible v6), cross-connection batching, and what
 * the gateway refuses.
 */
describe('Kafka gateway: Produce, Fetch, ListOffsets', () => {
  let test: TestPlatform;
  let port: number;
  let bootstrap: string;

  before(async () => {
    test = await startTestPlatform();
    port = test.platform.kafka!.port;
    bootstrap = test.platform.kafka!.bootstrapServer;
    for (const [name, partitions] of [['kp-orders', 4], ['kp-http', 2], ['kp-batching', 1], ['kp-raw', 1], ['kp-flexible', 2], ['kp-idempotent', 2], ['kp-fuzz', 2]] as const) {
      const created = await call(test.url, 'POST', '/v1/topics', { name, partitions });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    const appendTime = await call(test.url, 'POST', '/v1/topics', { name: 'kp-append-time', partitions: 1, config: { 'message.timestamp.type': 'LogAppendTime' } });
    assert.equal(appendTime.status, 201, JSON.stringify(appendTime.body));
  });
  after(async () => {
    await test?.stop();
  });

  const kafka = (clientId = 'sluice-produce-test') => new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });

  async function httpRecords(topic: string, partition: number, offset: number) {
    const read = await call(test.url, 'GET', `/v1/topics/${topic}/partitions/${partition}/records?offset=${offset}&encoding=utf8`);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    return read.body.records as { offset: number; timestamp: number; key: string | null; value: string | null; headers: { key: string; value: string | null }[] }[];
  }

  it('kafkajs produces records with keys, headers and timestamps that HTTP reads back exactly', async () => {
    const producer = kafka().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const messages = [
        { key: 'alice', value: 'first', headers: { trace: 'a1', kind: 'order' }, timestamp: '1700000000001' },
        { key: 'alice', value: 'second', headers: { trace: 'a2' }, timestamp: '1700000000002' },
        { key: 'bob', value: 'third', headers: {}, timestamp: '1700000000003' },
      ];
      for (const compression of [CompressionTypes.None, CompressionTypes.GZIP]) {
        const sent = await producer.send({ topic: 'kp-orders', acks: -1, compression, messages });
        // One answer per partition written; alice's two records share one.
        for (const answer of sent) assert.equal(answer.errorCode, 0);
        const byKey = new Map<string, { partition: number; offset: number }>();
        for (const answer of sent) {
          // This send's records on this partition: from its base offset, before the HTTP records below.
          const records = (await httpRecords('kp-orders', answer.partition, Number(answer.baseOffset))).filter((r) => r.value !== 'over http');
          for (const record of records) {
            const message = messages.find((m) => m.value === record.value)!;
            if (byKey.has(message.value)) continue;
            byKey.set(message.value, { partition: answer.partition, offset: record.offset });
            assert.equal(record.key, message.key);
            assert.equal(record.timestamp, Number(message.timestamp));
            assert.deepEqual(Object.fromEntries(record.headers.map((h) => [h.key, h.value])), message.headers);
          }
        }
        assert.equal(byKey.size, 3);
        const alice = [byKey.get('first')!, byKey.get('second')!];
        assert.equal(alice[0]!.partition, alice[1]!.partition);
        assert.equal(alice[1]!.offset, alice[0]!.offset + 1);
        // The HTTP API's murmur2 partitioner puts each key on the same partition.
        for (const [value, key] of [['first', 'alice'], ['third', 'bob']] as const) {
          const viaHttp = await call(test.url, 'POST', '/v1/topics/kp-orders/records', { records: [{ key, value: 'over http' }] });
          assert.equal(viaHttp.status, 200, JSON.stringify(viaHttp.body));
          assert.equal(viaHttp.body.records[0].partition, byKey.get(value)!.partition, `key ${key}`);
        }
      }
    } finally {
      await producer.disconnect();
    }
  });

  it('@platformatic/kafka produces on flexible Produce v9 with each compression (none, gzip, snappy, lz4, zstd), read back over HTTP', async () => {
    const producer = new PlatformaticProducer({ clientId: 'sluice-platformatic-test', bootstrapBrokers: [bootstrap], idempotent: false, acks: -1, retries: 0, serializers: stringSerializers });
    try {
      for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
        const value = `${compression} `.repeat(50);
        const sent = await producer.send({
          compression,
          messages: [
            { topic: 'kp-flexible', partition: 1, key: `key-${compression}`, value, headers: { codec: compression }, timestamp: 1_700_000_000_777n },
            { topic: 'kp-flexible', partition: 1, key: `key-${compression}`, value: 'second', headers: {} },
          ],
        });
        const offset = Number(sent.offsets![0]!.offset);
        const [first, second] = await httpRecords('kp-flexible', 1, offset);
        assert.deepEqual(first, { offset, timestamp: 1_700_000_000_777, key: `key-${compression}`, value, headers: [{ key: 'codec', value: compression }] }, compression);
        assert.equal(second!.offset, offset + 1);
        assert.equal(second!.value, 'second');
      }
    } finally {
      await producer.close();
    }
  });

  it('reads records produced over HTTP over Kafka, with the same offsets, keys, headers and timestamps (Fetch v4, v11, v12)', async () => {
    const produced = await call(test.url, 'POST', '/v1/topics/kp-http/records', {
      records: [
        { partition: 1, key: 'k1', value: 'v1', headers: [{ key: 'h1', value: 'x' }], timestamp: 1_700_000_000_100 },
        { partition: 1, key: null, value: 'v2', headers: [{ key: 'h2', value: null }], timestamp: 1_700_000_000_050 },
        { partition: 1, key: 'k3', value: null, timestamp: 1_700_000_000_200 },
      ],
    });
    assert.equal(produced.status, 200, JSON.stringify(produced.body));
    const first = produced.body.records[0].offset as number;
    const connection = await RawKafkaConnection.connect(port);
    try {
      for (const version of [4, 11, 12]) {
        const { body } = await connection.request(FETCH, version, fetchRequest('kp-http', 1, first));
        const partition = body.responses[0]!.partitions[0]!;
        assert.equal(partition.errorCode, 0);
        assert.equal(partition.highWatermark, first + 3);
        assert.equal(partition.lastStableOffset, first + 3);
        if (version >= 5) assert.equal(partition.logStartOffset, 0);
        const records = decodeRecordBatches(partition.records!).flatMap((b) => b.records);
        assert.deepEqual(records.map(plain), [
          { offset: first, timestamp: 1_700_000_000_100, key: 'k1', value: 'v1', headers: [['h1', 'x']] },
          { offset: first + 1, timestamp: 1_700_000_000_050, key: null, value: 'v2', headers: [['h2', null]] },
          { offset: first + 2, timestamp: 1_700_000_000_200, key: 'k3', value: null, headers: [] },
        ]);
      }
      // Past the high watermark: OFFSET_OUT_OF_RANGE, with where the log is.
      const { body: outOfRange } = await connection.request(FETCH, 12, fetchRequest('kp-http', 1, first + 10));
      assert.equal(outOfRange.responses[0]!.partitions[0]!.errorCode, KAFKA_ERRORS.OFFSET_OUT_OF_RANGE);
      assert.equal(outOfRange.responses[0]!.partitions[0]!.highWatermark, first + 3);
      // At the high watermark with MaxWaitMs: an empty answer after waiting, not an error.
      const started = Date.now();
      const { body: atEnd } = await connection.request(FETCH, 11, { ...fetchRequest('kp-http', 1, first + 3), maxWaitMs: 300, minBytes: 1 });
      assert.ok(Date.now() - started >= 250);
      assert.equal(atEnd.responses[0]!.partitions[0]!.errorCode, 0);
      assert.equal(atEnd.responses[0]!.partitions[0]!.records?.length ?? 0, 0);
      // Unknown topic and partition.
      const { body: unknown } = await connection.request(FETCH, 12, fetchRequest('kp-missing', 0, 0));
      assert.equal(unknown.responses[0]!.partitions[0]!.errorCode, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION);
      const { body: noPartition } = await connection.request(FETCH, 12, fetchRequest('kp-http', 9, 0));
      assert.equal(noPartition.responses[0]!.partitions[0]!.errorCode, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION);

      // ListOffsets: earliest and latest, and by timestamp.
      for (const version of [1, 6]) {
        const { body } = await connection.request(LIST_OFFSETS, version, {
          replicaId: -1,
          isolationLevel: 0,
          topics: [{ name: 'kp-http', partitions: [-2, -1, 1_700_000_000_150, 1_800_000_000_000].map((timestamp) => ({ partitionIndex: 1, currentLeaderEpoch: -1, timestamp })) }],
        });
        assert.deepEqual(
          body.topics[0]!.partitions.map((p) => [p.errorCode, p.offset]),
          [
            [0, 0],
            [0, first + 3],
            [0, first + 2], // the first record at or after ...150 is the one at ...200
            [0, -1],
          ],
        );
      }
    } finally {
      connection.socket.destroy();
    }
  });

  it('kafkajs admin reads offsets through ListOffsets: low and high watermarks, and by timestamp', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      const listed = await call(test.url, 'GET', '/v1/topics/kp-http/partitions/1/offsets');
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      const offsets = await admin.fetchTopicOffsets('kp-http');
      const one = offsets.find((o) => o.partition === 1)!;
      assert.deepEqual([Number(one.low), Number(one.high)], [listed.body.logStartOffset, listed.body.highWatermark]);
      const byTime = await admin.fetchTopicOffsetsByTimestamp('kp-http', 1_700_000_000_150);
      assert.equal(Number(byTime.find((o) => o.partition === 1)!.offset), 2);
    } finally {
      await admin.disconnect();
    }
  });

  it('answers LogAppendTimeMs on a LogAppendTime topic, the time every record is stamped with', async () => {
    const connection = await RawKafkaConnection.connect(port);
    try {
      const before = Date.now();
      const batch = encodeRecordBatch({ records: [{ offset: 0, timestamp: 1_000, key: null, value: Buffer.from('stamped'), headers: [] }] });
      const { body } = await connection.request(PRODUCE, 8, { transactionalId: null, acks: 1, timeoutMs: 1000, topics: [{ name: 'kp-append-time', partitions: [{ index: 0, records: batch }] }] });
      const answer = body.topics[0]!.partitions[0]!;
      assert.equal(answer.errorCode, 0);
      assert.ok(answer.logAppendTimeMs >= before - 1000, `${answer.logAppendTimeMs}`);
      const [record] = await httpRecords('kp-append-time', 0, answer.baseOffset);
      assert.equal(record!.timestamp, answer.logAppendTimeMs);
      const { body: plain } = await connection.request(PRODUCE, 8, { transactionalId: null, acks: 1, timeoutMs: 1000, topics: [{ name: 'kp-fuzz', partitions: [{ index: 1, records: batch }] }] });
      assert.equal(plain.topics[0]!.partitions[0]!.logAppendTimeMs, -1);
    } finally {
      connection.socket.destroy();
    }
  });

  it('keeps a kafkajs tombstone (null value) as a null value', async () => {
    const producer = kafka().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const [sent] = await producer.send({ topic: 'kp-orders', acks: -1, messages: [{ key: 'gone', value: null }] });
      const [record] = await httpRecords('kp-orders', sent!.partition, Number(sent!.baseOffset));
      assert.equal(record!.key, 'gone');
      assert.equal(record!.value, null);
    } finally {
      await producer.disconnect();
    }
  });

  it('names topics by id from Fetch v13 (v13-v17): records of a known id, UNKNOWN_TOPIC_ID for an unknown or deleted one', async () => {
    const created = await call(test.url, 'POST', '/v1/topics', { name: 'kp-by-id', partitions: 1 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const topicId = kafkaTopicId(created.body.topicId as string);
    const produced = await call(test.url, 'POST', '/v1/topics/kp-by-id/records', { records: [{ key: 'a', value: 'one', timestamp: 1_700_000_000_001 }, { key: 'b', value: 'two', timestamp: 1_700_000_000_002 }] });
    assert.equal(produced.status, 200, JSON.stringify(produced.body));
    const unknownId = '00000000-0000-4000-8000-0000000000aa';
    const byId = (id: string, offset: number): FetchRequest => {
      const request = fetchRequest('', 0, offset);
      request.topics[0]!.topicId = id;
      return request;
    };
    const connection = await RawKafkaConnection.connect(port);
    try {
      for (const version of [13, 14, 15, 16, 17]) {
        // No Metadata asked on this connection first: the gateway finds the id itself.
        const request = byId(topicId, 0);
        request.topics.push(byId(unknownId, 0).topics[0]!);
        const { body } = await connection.request(FETCH, version, request);
        const [known, unknown] = body.responses;
        assert.equal(known!.topicId, topicId, `v${version}`);
        assert.equal(known!.partitions[0]!.errorCode, 0);
        assert.equal(known!.partitions[0]!.highWatermark, 2);
        assert.deepEqual(decodeRecordBatches(known!.partitions[0]!.records!).flatMap((b) => b.records).map(plain), [
          { offset: 0, timestamp: 1_700_000_000_001, key: 'a', value: 'one', headers: [] },
          { offset: 1, timestamp: 1_700_000_000_002, key: 'b', value: 'two', headers: [] },
        ]);
        assert.equal(unknown!.topicId, unknownId);
        assert.equal(unknown!.partitions[0]!.errorCode, KAFKA_ERRORS.UNKNOWN_TOPIC_ID);
      }
      // The zero uuid names no topic.
      const { body: zero } = await connection.request(FETCH, 13, byId(ZERO_UUID, 0));
      assert.equal(zero.responses[0]!.partitions[0]!.errorCode, KAFKA_ERRORS.UNKNOWN_TOPIC_ID);

      // Deleted and created again under the same name: the old id is unknown, the new one reads the new (empty) log.
      assert.equal((await call(test.url, 'DELETE', '/v1/topics/kp-by-id')).status, 204);
      const again = await call(test.url, 'POST', '/v1/topics', { name: 'kp-by-id', partitions: 1 });
      assert.equal(again.status, 201, JSON.stringify(again.body));
      const newId = kafkaTopicId(again.body.topicId as string);
      assert.notEqual(newId, topicId);
      const { body: old } = await connection.request(FETCH, 17, byId(topicId, 0));
      assert.equal(old.responses[0]!.partitions[0]!.errorCode, KAFKA_ERRORS.UNKNOWN_TOPIC_ID);
      const { body: fresh } = await connection.request(FETCH, 17, byId(newId, 0));
      assert.equal(fresh.responses[0]!.partitions[0]!.errorCode, 0);
      assert.equal(fresh.responses[0]!.partitions[0]!.highWatermark, 0);
      // Metadata by id answers the same way.
      const base = { allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
      const { body: described } = await connection.request(METADATA, 12, { ...base, topics: [{ topicId, name: null }, { topicId: newId, name: null }] });
      assert.deepEqual(described.topics.map((t) => [t.errorCode, t.name, t.topicId]), [
        [KAFKA_ERRORS.UNKNOWN_TOPIC_ID, null, topicId],
        [0, 'kp-by-id', newId],
      ]);
    } finally {
      connection.close();
    }
  });

  it('applies MaxBytes across partitions as Kafka does: the first partition with records gets them whatever their size', async () => {
    for (const partition of [0, 1]) {
      const produced = await call(test.url, 'POST', '/v1/topics/kp-http/records', { records: [{ partition, value: 'x'.repeat(200) }] });
      assert.equal(produced.status, 200);
    }
    const connection = await RawKafkaConnection.connect(port);
    try {
      const request = fetchRequest('kp-http', 0, 0);
      request.maxBytes = 10;
      request.topics[0]!.partitions.push({ ...request.topics[0]!.partitions[0]!, partition: 1, fetchOffset: 0 });
      const { body } = await connection.request(FETCH, 12, request);
      const [first, second] = body.responses[0]!.partitions;
      assert.ok(decodeRecordBatches(first!.records!).flatMap((b) => b.records).length >= 1);
      assert.equal(second!.errorCode, 0);
      assert.equal(second!.records?.length ?? 0, 0);
      assert.ok(second!.highWatermark >= 1);
    } finally {
      connection.socket.destroy();
    }
  });

  it('kafkajs idempotent producer: InitProducerId, then sequenced batches written once each', async () => {
    const producer = new Kafka({ clientId: 'idempotent', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } }).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const first = await producer.send({ topic: 'kp-idempotent', acks: -1, messages: [{ key: 'a', value: 'one' }, { key: 'a', value: 'two' }] });
      const second = await producer.send({ topic: 'kp-idempotent', acks: -1, messages: [{ key: 'a', value: 'three' }] });
      assert.equal(first[0]!.partition, second[0]!.partition);
      assert.equal(Number(second[0]!.baseOffset), Number(first[0]!.baseOffset) + 2);
      const records = await httpRecords('kp-idempotent', first[0]!.partition, Number(first[0]!.baseOffset));
      assert.deepEqual(records.map((r) => r.value), ['one', 'two', 'three']);
    } finally {
      await producer.disconnect();
    }
  });

  it('idempotent produce over the wire: an exact retry answers the original offset and writes nothing; a gap is OUT_OF_ORDER_SEQUENCE_NUMBER; transactions are refused', async () => {
    const connection = await RawKafkaConnection.connect(port);
    try {
      const { body: transactional } = await connection.request(INIT_PRODUCER_ID, 4, { transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
      assert.equal(transactional.errorCode, KAFKA_ERRORS.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      const { body: init } = await connection.request(INIT_PRODUCER_ID, 1, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
      assert.equal(init.errorCode, 0);
      assert.ok(init.producerId >= 0);
      const batch = (sequence: number, value: string) =>
        encodeRecordBatch({ records: [{ offset: 0, timestamp: 1_700_000_000_000, key: null, value: Buffer.from(value), headers: [] }], producerId: init.producerId, producerEpoch: init.producerEpoch, baseSequence: sequence });
      const send = async (records: Buffer) => {
        const { body } = await connection.request(PRODUCE, 9, { transactionalId: null, acks: -1, timeoutMs: 1000, topics: [{ name: 'kp-idempotent', partitions: [{ index: 1, records }] }] });
        return body.topics[0]!.partitions[0]!;
      };
      const written = await send(batch(0, 'once'));
      assert.equal(written.errorCode, 0);
      const retried = await send(batch(0, 'once'));
      assert.deepEqual([retried.errorCode, retried.baseOffset], [0, written.baseOffset]);
      const gap = await send(batch(5, 'gap'));
      assert.equal(gap.errorCode, KAFKA_ERRORS.OUT_OF_ORDER_SEQUENCE_NUMBER);
      const next = await send(batch(1, 'next'));
      assert.deepEqual([next.errorCode, next.baseOffset], [0, written.baseOffset + 1]);
      assert.deepEqual((await httpRecords('kp-idempotent', 1, written.baseOffset)).map((r) => r.value), ['once', 'next']);
    } finally {
      connection.socket.destroy();
    }
  });

  it('survives mutated Produce frames: each is answered or its connection closed, and the gateway keeps serving', async () => {
    const batches = (['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const).map((compression) =>
      encodeRecordBatch({ records: [{ offset: 0, timestamp: 1_700_000_000_000, key: Buffer.from('k'), value: Buffer.from('v'.repeat(40)), headers: [{ key: 'h', value: null }] }], compression }),
    );
    const frames = fc.sample(
      fc.record({ batch: fc.constantFrom(...batches), version: fc.constantFrom(3, 7, 9), edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }) }),
      { numRuns: 60, seed: 13 },
    ).map(({ batch, version, edits }) =>
      mutate(encodeRequestFrame(PRODUCE, { apiVersion: version, correlationId: 1, clientId: 'fuzz' }, { transactionalId: null, acks: -1, timeoutMs: 1000, topics: [{ name: 'kp-fuzz', partitions: [{ index: 0, records: batch }] }] }), edits),
    );
    let connection = await RawKafkaConnection.connect(port);
    try {
      for (const frame of frames) {
        if (connection.isClosed) connection = await RawKafkaConnection.connect(port);
        connection.write(frame);
        // An answer, or the connection closed (a frame the gateway could not parse).
        await connection.nextFrame(5_000).catch((error: Error) => assert.match(error.message, /closed/));
      }
    } finally {
      connection.socket.destroy();
    }
    const check = await RawKafkaConnection.connect(port);
    try {
      const { body } = await check.request(API_VERSIONS, 3, { clientSoftwareName: 'after-fuzz', clientSoftwareVersion: '1' });
      assert.equal(body.errorCode, 0);
    } finally {
      check.socket.destroy();
    }
  });

  it('batches produce requests from many connections into fewer produce calls, each answered with its own offsets', async () => {
    const producers = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const producer = kafka(`batching-${i}`).producer({ allowAutoTopicCreation: false });
        await producer.connect();
        return producer;
      }),
    );
    try {
      const batcher = test.platform.kafka!.batcher;
      const counter = new RequestCounter().attach(batcher.ctx.s3);
      const callsBefore = batcher.calls;
      const answers = await Promise.all(producers.map((producer, i) => producer.send({ topic: 'kp-batching', acks: -1, messages: [{ value: `from ${i}` }, { value: `again ${i}` }] })));
      const calls = batcher.calls - callsBefore;
      assert.ok(calls < producers.length, `${calls} produce calls for ${producers.length} requests`);
      // One object PUT per produce call: fewer objects than requests.
      const puts = countsOf(counter.snapshot(), 'S3', 'PutObject').requests;
      assert.equal(puts, calls);
      counter.detach(batcher.ctx.s3);
      const offsets = answers.map((a) => Number(a[0]!.baseOffset));
      assert.equal(new Set(offsets).size, producers.length);
      // Each request's two records sit at its base offset, in its order.
      const records = await httpRecords('kp-batching', 0, 0);
      answers.forEach((_, i) => {
        assert.equal(records.find((r) => r.offset === offsets[i])?.value, `from ${i}`);
        assert.equal(records.find((r) => r.offset === offsets[i]! + 1)?.value, `again ${i}`);
      });
    } finally {
      await Promise.all(producers.map((p) => p.disconnect()));
    }
  });

  it('answers acks=0 with nothing, refuses corrupt, old-format and transactional batches and producer ids never issued, and answers flexible Produce v9', async () => {
    const connection = await RawKafkaConnection.connect(port);
    const records: KafkaRecord[] = [{ offset: 0, timestamp: 1_700_000_000_000, key: Buffer.from('k'), value: Buffer.from('v'), headers: [] }];
    const produce = (batch: Buffer, acks = -1) => ({ transactionalId: null, acks, timeoutMs: 1000, topics: [{ name: 'kp-raw', partitions: [{ index: 0, records: batch }] }] });
    try {
      // acks=0: no answer; the next request's answer comes next.
      connection.send(PRODUCE, 7, produce(encodeRecordBatch({ records }), 0));
      const { body: versions } = await connection.request(API_VERSIONS, 2, { clientSoftwareName: '', clientSoftwareVersion: '' });
      assert.equal(versions.errorCode, 0);
      for (const [apiKey, min, max] of [[0, 3, 9], [1, 4, 17], [2, 1, 6]]) {
        assert.deepEqual(versions.apiKeys.find((k) => k.apiKey === apiKey), { apiKey, minVersion: min, maxVersion: max });
      }

      const corrupt = encodeRecordBatch({ records });
      corrupt.writeUInt8(corrupt.readUInt8(corrupt.length - 1) ^ 1, corrupt.length - 1);
      const old = encodeRecordBatch({ records });
      old.writeInt8(1, 16);
      const neverIssued = encodeRecordBatch({ records, producerId: 5, producerEpoch: 0, baseSequence: 0 });
      const transactional = encodeRecordBatch({ records, producerId: 5, producerEpoch: 0, baseSequence: 0, isTransactional: true });
      for (const [batch, errorCode] of [
        [corrupt, KAFKA_ERRORS.CORRUPT_MESSAGE],
        [old, KAFKA_ERRORS.UNSUPPORTED_FOR_MESSAGE_FORMAT],
        [transactional, KAFKA_ERRORS.UNSUPPORTED_FOR_MESSAGE_FORMAT],
        // lib/producers says PRODUCER_ACCESS_DENIED for an id never issued (or issued to another principal).
        [neverIssued, KAFKA_ERRORS.CLUSTER_AUTHORIZATION_FAILED],
      ] as const) {
        const { body } = await connection.request(PRODUCE, 8, produce(batch));
        assert.equal(body.topics[0]!.partitions[0]!.errorCode, errorCode);
        assert.equal(body.topics[0]!.partitions[0]!.baseOffset, -1);
      }

      const { body: flexible } = await connection.request(PRODUCE, 9, produce(encodeRecordBatch({ records, compression: 'zstd' })));
      const answer = flexible.topics[0]!.partitions[0]!;
      assert.equal(answer.errorCode, 0);
      // The acks=0 record was written before it: offset 0, this one 1.
      assert.equal(answer.baseOffset, 1);
      const { body: unknown } = await connection.request(PRODUCE, 9, { ...produce(encodeRecordBatch({ records })), topics: [{ name: 'kp-none', partitions: [{ index: 0, records: encodeRecordBatch({ records }) }] }] });
      assert.equal(unknown.topics[0]!.partitions[0]!.errorCode, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION);
      assert.equal((await httpRecords('kp-raw', 0, 0)).length, 2);
    } finally {
      connection.socket.destroy();
    }
  });
});

/** Every byte of `frame` after the 4-byte size, with `edits` applied (positions modulo its length). */
function mutate(frame: Buffer, edits: [number, number][]): Buffer {
  const copy = Buffer.from(frame);
  for (const [at, value] of edits) copy[4 + (at % (copy.length - 4))] = value;
  return copy;
}

function fetchRequest(topic: string, partition: number, offset: number): FetchRequest {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, topicId: ZERO_UUID, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopics: [],
    rackId: '',
  };
}

function plain(record: KafkaRecord) {
  return {
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key?.toString() ?? null,
    value: record.value?.toString() ?? null,
    headers: record.headers.map((h) => [h.key, h.value?.toString() ?? null]),
  };
}
