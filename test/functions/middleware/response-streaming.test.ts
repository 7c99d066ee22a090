import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import type { StreamingHttpResult } from '../../../functions/middleware/http';
import { streamingBody } from '../../../functions/middleware/response-streaming';

/** A producer that writes `chunks`, then waits for its signal (a live read at the tail), recording what happened. */
function producer(chunks: string[], options: { waitForAbort?: boolean; fail?: Error } = {}) {
  const seen = { aborted: false, writesSettled: 0, finished: false };
  const result: StreamingHttpResult = {
    statusCode: 200,
    headers: { 'content-type': 'text/event-stream' },
    async stream(write, signal) {
      for (const chunk of chunks) {
        await write(chunk);
        seen.writesSettled++;
      }
      if (options.fail) throw options.fail;
      if (options.waitForAbort) {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        seen.aborted = signal.aborted;
      }
      seen.finished = true;
    },
  };
  return { result, seen };
}

/** A client's end of the response: collects what arrives; `breakAfter` chunks in, it fails as a dropped connection does. */
function sink(breakAfter?: number) {
  const received: string[] = [];
  const stream = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk.toString('utf8'));
      callback(breakAfter !== undefined && received.length >= breakAfter ? new Error('client disconnected') : null);
    },
  });
  return { stream, received };
}

describe('streamingBody', () => {
  it('passes every chunk on in order and ends when the producer ends', async () => {
    const { result, seen } = producer(['retry: 1000\n\n', 'id: 1\nevent: records\ndata: {}\n\n', 'id: 1\nevent: end\ndata: {}\n\n']);
    const { stream, received } = sink();
    await pipeline(streamingBody(result), stream);
    assert.deepEqual(received, ['retry: 1000\n\n', 'id: 1\nevent: records\ndata: {}\n\n', 'id: 1\nevent: end\ndata: {}\n\n']);
    assert.equal(seen.finished, true);
    assert.equal(seen.writesSettled, 3);
  });

  it('aborts the producer\'s signal when the response breaks, and lets its pending write settle', async () => {
    const { result, seen } = producer(['a', 'b', 'c'], { waitForAbort: true });
    const { stream, received } = sink(1);
    await assert.rejects(pipeline(streamingBody(result), stream), /client disconnected/);
    // The producer was waiting at the tail; the abort ends its wait.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(seen.aborted, true);
    assert.equal(seen.finished, true);
    assert.equal(received[0], 'a');
  });

  it('holds the producer while the client does not read (a write resolves only when the body wants more)', async () => {
    const big = 'x'.repeat(64 * 1024);
    const { result, seen } = producer([big, big, big, big]);
    const body = streamingBody(result);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(seen.writesSettled < 4, `${seen.writesSettled} writes settled with nobody reading`);
    body.destroy();
  });

  it('fails the body with the producer\'s error', async () => {
    const { result } = producer(['a'], { fail: new Error('storage gone') });
    const { stream } = sink();
    await assert.rejects(pipeline(streamingBody(result), stream), /storage gone/);
  });
});

describe('ensureStreamingRuntime', () => {
  it('outside Lambda, adds stand-ins that fail the invocation, not the import, and keeps what the global already holds', async () => {
    const holder = globalThis as unknown as { awslambda?: Record<string, unknown> };
    const before = holder.awslambda;
    // @aws/lambda-invoke-store creates the global with its InvokeStore alone.
    const store = { get: () => undefined };
    holder.awslambda = { InvokeStore: store };
    try {
      const { ensureStreamingRuntime } = await import('../../../functions/middleware/response-streaming');
      ensureStreamingRuntime();
      const runtime = holder.awslambda as unknown as { InvokeStore: unknown; streamifyResponse: (h: unknown) => () => Promise<void> };
      assert.equal(runtime.InvokeStore, store);
      const handler = runtime.streamifyResponse(async () => undefined);
      await assert.rejects(handler(), /needs the Lambda Node.js runtime/);
      // A real runtime's functions are left alone.
      const real = runtime.streamifyResponse;
      ensureStreamingRuntime();
      assert.equal((holder.awslambda as unknown as { streamifyResponse: unknown }).streamifyResponse, real);
    } finally {
      holder.awslambda = before;
    }
  });
});
