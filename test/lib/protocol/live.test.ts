import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseParser, sseComment, sseEvent, sseRetry, wantsEventStream } from '../../../lib/protocol/live';

describe('wantsEventStream', () => {
  it('asks for the stream with live=sse or an Accept naming text/event-stream alone', () => {
    assert.equal(wantsEventStream(undefined, 'sse'), true);
    assert.equal(wantsEventStream('text/event-stream', undefined), true);
    assert.equal(wantsEventStream('Text/Event-Stream; charset=utf-8', undefined), true);
    assert.equal(wantsEventStream('text/html, text/event-stream;q=0.5', undefined), true);
  });

  it('keeps the ordinary answer for JSON, anything, no Accept, q=0, or a client that takes JSON too', () => {
    for (const accept of [undefined, '', '*/*', 'application/json', 'application/json, text/event-stream', 'text/event-stream;q=0', 'text/event-stream; q=0.0']) {
      assert.equal(wantsEventStream(accept, undefined), false, String(accept));
    }
  });
});

describe('SseParser', () => {
  const stream = `${sseRetry(1000)}${sseEvent({ id: 3, event: 'records', data: '{"a":1}' })}${sseComment('keep-alive')}${sseEvent({ id: 3, event: 'end', data: '{"b":2}' })}`;

  it('reads what the server writes, in pieces of any size', () => {
    for (const size of [1, 2, 3, 7, stream.length]) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < stream.length; i += size) events.push(...parser.push(stream.slice(i, i + size)));
      assert.deepEqual(events, [
        { event: 'records', data: '{"a":1}', lastEventId: '3' },
        { event: 'end', data: '{"b":2}', lastEventId: '3' },
      ], `pieces of ${size}`);
    }
  });

  it('follows the WHATWG rules: CR, LF and CRLF lines, joined data lines, a BOM, no space after the colon, ids kept across events, data-less events dropped', () => {
    const parser = new SseParser();
    const text = '\uFEFFid: 7\r\ndata:one\r\ndata: two\r\r:comment\nevent: x\n\ndata: three\n\nid\nunknown: field\ndata\n\n';
    const events = [...parser.push(text.slice(0, 16)), ...parser.push(text.slice(16, 17)), ...parser.push(text.slice(17))];
    assert.deepEqual(events, [
      { event: 'message', data: 'one\ntwo', lastEventId: '7' },
      { event: 'message', data: 'three', lastEventId: '7' },
      { event: 'message', data: '', lastEventId: '' },
    ]);
    assert.equal(parser.lastEventId, '');
  });

  it('splits a CRLF across pieces without making an empty line of it', () => {
    const parser = new SseParser();
    assert.deepEqual([...parser.push('data: a\r'), ...parser.push('\ndata: b\r'), ...parser.push('\n\r\n')], [{ event: 'message', data: 'a\nb', lastEventId: '' }]);
  });

  it('refuses to write data of more than one line', () => {
    assert.throws(() => sseEvent({ data: 'a\nb' }));
  });
});
