import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallMeter, countWithin, functionOfCall, heldWithin, type MeterableSocket } from './call-meter';

describe('call meter arithmetic', () => {
  it('counts the time spans hold inside a window, open spans to its end, weighted', () => {
    const spans = [
      { start: 0, end: 10, memoryMiB: 1024 },
      { start: 5, end: 25, memoryMiB: 512 },
      { start: 15, memoryMiB: 1024 },
      { start: 30, end: 40, memoryMiB: 1024 },
    ];
    assert.equal(heldWithin(spans, 10, 20), 0 + 10 + 5);
    assert.equal(heldWithin(spans, 10, 20, (s) => s.memoryMiB / 1024), 5 + 5);
    assert.equal(countWithin([1, 10, 19.9, 20], 10, 20), 2);
  });

  it('tells the serving function from the method and path', () => {
    assert.equal(functionOfCall('GET', 'http://h/v1/topics/t/partitions/3/records?offset=1&waitMs=10000'), 'fetch-records');
    assert.equal(functionOfCall('GET', 'http://h/v1/topics/t/partitions/3/offsets'), 'list-offsets');
    assert.equal(functionOfCall('GET', 'http://h/v1/topics/t/offsets'), 'list-topic-offsets');
    assert.equal(functionOfCall('POST', 'http://h/v1/groups/g/members/m-1/heartbeat'), 'heartbeat-member');
    assert.equal(functionOfCall('POST', 'http://h/v1/topics/t/records'), 'produce-records');
    assert.equal(functionOfCall('GET', 'http://h/v1/topics/t'), 'other');
  });
});

describe('CallMeter', () => {
  it('records each call from start to the end of its body, with its function memory', async () => {
    const meter = new CallMeter((fn) => (fn === 'fetch-records' ? 1024 : 256));
    const fetch = meter.fetch(async () => new Response('{"records":[]}', { status: 200 }));
    const from = performance.now();
    const answer = await fetch('http://h/v1/topics/t/partitions/0/records?offset=0', { method: 'GET' });
    assert.equal(await answer.text(), '{"records":[]}');
    await fetch('http://h/v1/groups/g/members/m/heartbeat', { method: 'POST' });
    const window = meter.window(from, performance.now() + 1);
    assert.equal(window.httpRequests, 2);
    assert.deepEqual(window.byFunction, { 'fetch-records': 1, 'heartbeat-member': 1 });
    assert.ok(meter.calls.every((c) => c.end !== undefined));
    assert.equal(meter.calls[0]!.memoryMiB, 1024);
  });

  it('counts a socket\'s connection time, messages both ways and reply time, whatever handler its owner sets', () => {
    const meter = new CallMeter(() => 256);
    const sentData: string[] = [];
    const fake: MeterableSocket = { send: (data) => void sentData.push(data), onmessage: null, onclose: null };
    const socket = meter.socketFactory(() => fake)('ws://h/v1/watch');
    const got: unknown[] = [];
    socket.onmessage = (event) => void got.push(event.data);
    socket.send('{"action":"watch"}');
    socket.onmessage({ data: '{"type":"armed"}' });
    socket.onclose?.({});
    assert.deepEqual(sentData, ['{"action":"watch"}']);
    assert.deepEqual(got, ['{"type":"armed"}']);
    assert.equal(meter.sent.length, 1);
    assert.equal(meter.received.length, 1);
    assert.equal(meter.replyMs.length, 1);
    assert.equal(meter.connections.length, 1);
    const window = meter.window(meter.connections[0]!.start, performance.now() + 1);
    assert.equal(window.webSocket.messages, 2);
    assert.equal(window.webSocket.invocations, 1);
  });
});
