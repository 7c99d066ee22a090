import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SluiceApiError, SluiceHttpClient } from '../../../lib/client/sluice-http-client';
import type { FetchedRecord } from '../../../lib/client/types';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * `SluiceHttpClient.follow()`: a partition read live over server-sent events on the real
 * local platform, reconnecting with Last-Event-ID when the server ends a stream or a
 * connection drops, stopped by a signal, and long-polling where the server cannot stream.
 */
process.env.SLUICE_LIVE_HEARTBEAT_MS = '300';
process.env.SLUICE_LIVE_MAX_DURATION_MS = '1500';

let env: TestPlatform;
let client: SluiceHttpClient;

async function produce(topic: string, values: string[]): Promise<void> {
  await client.produce(topic, { records: values.map((value) => ({ value, partition: 0 })) });
}

/** Takes `count` records from `records`, then stops it through `controller`; fails after `timeoutMs`. */
async function take(records: AsyncIterable<FetchedRecord>, count: number, controller: AbortController, timeoutMs = 10_000): Promise<FetchedRecord[]> {
  const got: FetchedRecord[] = [];
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    for await (const record of records) {
      got.push(record);
      if (got.length === count) break;
    }
  } finally {
    clearTimeout(timer);
  }
  assert.equal(got.length, count, `only ${got.length} of ${count} records within ${timeoutMs} ms`);
  return got;
}

const isLive = (init: RequestInit | undefined) => new Headers(init?.headers).get('accept') === 'text/event-stream';

before(async () => {
  env = await startTestPlatform({ kafkaPort: null });
  client = new SluiceHttpClient(env.url);
  for (const name of ['follow', 'dropped', 'fallback', 'stopped']) await client.createTopic(name);
});

after(async () => {
  await env?.stop();
});

describe('SluiceHttpClient.follow', () => {
  it('yields the records there are, then those produced later, each once and in order, across the server ending its streams', async () => {
    await produce('follow', ['a', 'b']);
    const controller = new AbortController();
    const records = client.follow('follow', 0, { offset: 0, encoding: 'utf8', maxRecords: 1, signal: controller.signal });
    const later = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      await produce('follow', ['c']);
      // Past the first stream's 1.5 s: this one comes over the reconnection.
      await new Promise((resolve) => setTimeout(resolve, 1600));
      await produce('follow', ['d', 'e']);
    })();
    const got = await take(records, 5, controller);
    await later;
    assert.deepEqual(got.map((r) => [r.offset, r.value]), [[0, 'a'], [1, 'b'], [2, 'c'], [3, 'd'], [4, 'e']]);
  });

  it('reconnects after a dropped connection with Last-Event-ID, missing and repeating nothing', async () => {
    await produce('dropped', ['r0', 'r1', 'r2', 'r3', 'r4']);
    const sent: { url: string; lastEventId: string | null }[] = [];
    let drops = 0;
    // The first live connection breaks off right after its first records event.
    const fetchImpl: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!isLive(init)) return response;
      sent.push({ url: String(input), lastEventId: new Headers(init?.headers).get('last-event-id') });
      if (drops > 0) return response;
      drops++;
      const reader = response.body!.getReader();
      let text = '';
      const body = new ReadableStream<Uint8Array>({
        async pull(stream) {
          const chunk = await reader.read();
          if (chunk.done) return stream.close();
          text += new TextDecoder().decode(chunk.value);
          stream.enqueue(chunk.value);
          if (text.includes('event: records') && text.endsWith('\n\n')) {
            await reader.cancel();
            stream.error(new TypeError('terminated: other side closed'));
          }
        },
      });
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const dropping = new SluiceHttpClient({ baseUrl: env.url, fetch: fetchImpl });
    const controller = new AbortController();
    const got = await take(dropping.follow('dropped', 0, { offset: 0, encoding: 'utf8', maxRecords: 2, signal: controller.signal }), 5, controller);
    assert.deepEqual(got.map((r) => r.offset), [0, 1, 2, 3, 4]);
    assert.ok(sent.length >= 2, 'it reconnected');
    assert.equal(sent[0]!.lastEventId, null);
    assert.match(sent[0]!.url, /offset=0/);
    assert.equal(sent[1]!.lastEventId, '2', 'resumed after the one event it received');
    assert.doesNotMatch(sent[1]!.url, /offset=/);
  });

  it('ends the iteration without an error when its signal aborts, at the tail', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    const got: FetchedRecord[] = [];
    for await (const record of client.follow('stopped', 0, { signal: controller.signal })) got.push(record);
    assert.deepEqual(got, []);
    assert.ok(Date.now() - started < 3000, `stopped after ${Date.now() - started} ms`);
  });

  it('throws what cannot be retried: a missing topic', async () => {
    await assert.rejects(
      async () => {
        for await (const _ of client.follow('no-such-topic', 0)) assert.fail('no record');
      },
      (err: unknown) => err instanceof SluiceApiError && err.code === 'TOPIC_NOT_FOUND',
    );
  });

  describe('where the server cannot stream (the deployed HTTP API)', () => {
    // Answers every live read as the deployed handler does.
    const deployed: typeof fetch = async (input, init) => {
      if (!isLive(init)) return fetch(input, init);
      const body = JSON.stringify({ error: { code: 'STREAMING_NOT_SUPPORTED', message: 'not here', retriable: false } });
      return new Response(body, { status: 501, headers: { 'content-type': 'application/json' } });
    };

    it('long-polls instead, from the same offset', async () => {
      await produce('fallback', ['x']);
      const polls: string[] = [];
      const counting: typeof fetch = (input, init) => {
        if (!isLive(init)) polls.push(String(input));
        return deployed(input, init);
      };
      const controller = new AbortController();
      const records = new SluiceHttpClient({ baseUrl: env.url, fetch: counting }).follow('fallback', 0, { offset: 0, encoding: 'utf8', signal: controller.signal });
      setTimeout(() => void produce('fallback', ['y']), 300);
      const got = await take(records, 2, controller);
      assert.deepEqual(got.map((r) => [r.offset, r.value]), [[0, 'x'], [1, 'y']]);
      assert.match(polls[0]!, /offset=0.*waitMs=20000|waitMs=20000.*offset=0/);
    });

    it('long-polls too where a server from before live reads answers the ordinary fetch', async () => {
      const older: typeof fetch = (input, init) => {
        if (!isLive(init)) return fetch(input, init);
        const headers = new Headers(init?.headers);
        headers.delete('accept');
        return fetch(input, { ...init, headers });
      };
      const controller = new AbortController();
      const got = await take(new SluiceHttpClient({ baseUrl: env.url, fetch: older }).follow('fallback', 0, { offset: 0, encoding: 'utf8', signal: controller.signal }), 2, controller);
      assert.deepEqual(got.map((r) => r.offset), [0, 1]);
    });

    it('throws STREAMING_NOT_SUPPORTED with longPollFallback: false', async () => {
      const strict = new SluiceHttpClient({ baseUrl: env.url, fetch: deployed });
      await assert.rejects(
        async () => {
          for await (const _ of strict.follow('fallback', 0, { longPollFallback: false })) assert.fail('no record');
        },
        (err: unknown) => err instanceof SluiceApiError && err.code === 'STREAMING_NOT_SUPPORTED' && err.status === 501,
      );
    });
  });
});
