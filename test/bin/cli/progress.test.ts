import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { duration, size, startProgress } from '../../../bin/cli/progress';

/** A stream that keeps what is written, a terminal or not. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = {
    isTTY,
    write(chunk: string) {
      written.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

/** A clock that moves only when told. */
function fakeClock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('startProgress', () => {
  test('writes nothing when it is not enabled', () => {
    const { stream, written } = fakeStream(true);
    const progress = startProgress({ label: 'produce t', stream, enabled: false });
    progress.update({ records: 10, bytes: 100 });
    progress.note('throttled: retrying in 4 s');
    progress.done();
    assert.deepEqual(written, []);
  });

  test('on a terminal redraws one line in place with records, bytes and the rate', () => {
    const { stream, written } = fakeStream(true);
    const clock = fakeClock();
    const progress = startProgress({ label: 'produce t', stream, enabled: true, now: clock.now });
    clock.advance(1000);
    progress.update({ records: 2000, bytes: 2048 });
    assert.equal(written.length, 1);
    assert.equal(written[0], '\r\x1b[2Kproduce t: 2,000 records, 2.0 KiB, 2,000 records/s, 2.0 KiB/s');
  });

  test('on a terminal draws at most every 200 ms, however often it is updated', () => {
    const { stream, written } = fakeStream(true);
    const clock = fakeClock();
    const progress = startProgress({ label: 'x', stream, enabled: true, now: clock.now });
    for (let i = 0; i < 100; i++) {
      clock.advance(10);
      progress.update({ records: 1, bytes: 1 });
    }
    // 1000 ms of updates every 10 ms: a draw at 200, 400, 600, 800 and 1000 ms.
    assert.equal(written.length, 5);
  });

  test('with a known size on a terminal shows the share done and an ETA at the recent rate', () => {
    const { stream, written } = fakeStream(true);
    const clock = fakeClock();
    const progress = startProgress({ label: 'produce t', totalBytes: 10 * 1024 * 1024, stream, enabled: true, now: clock.now });
    clock.advance(2000);
    progress.update({ records: 100, bytes: 2 * 1024 * 1024 });
    // 1 MiB/s so far, 8 MiB to go.
    assert.match(written.at(-1)!, /, 20%, ETA 8 s$/);
  });

  test('without a terminal shows the share done but no ETA, one plain line at a time', () => {
    const { stream, written } = fakeStream(false);
    const clock = fakeClock();
    const progress = startProgress({ label: 'produce t', totalBytes: 1000, stream, enabled: true, now: clock.now });
    clock.advance(1000);
    progress.update({ records: 5, bytes: 500 });
    assert.deepEqual(written, ['produce t: 5 records, 500 B, 5 records/s, 500 B/s, 50%\n']);
  });

  test('without a terminal writes lines at most once a second', () => {
    const { stream, written } = fakeStream(false);
    const clock = fakeClock();
    const progress = startProgress({ label: 'x', stream, enabled: true, now: clock.now });
    for (let i = 0; i < 30; i++) {
      clock.advance(100);
      progress.update({ records: 1, bytes: 1 });
    }
    assert.equal(written.length, 3);
  });

  test('on a terminal a note stays on the status line until records move again', () => {
    const { stream, written } = fakeStream(true);
    const clock = fakeClock();
    const progress = startProgress({ label: 'produce t', stream, enabled: true, now: clock.now });
    clock.advance(1000);
    progress.update({ records: 10, bytes: 10 });
    progress.note('throttled: retrying in 4 s');
    assert.ok(written.at(-1)!.startsWith('\r\x1b[2Kproduce t: 10 records, '));
    assert.match(written.at(-1)!, /\(throttled: retrying in 4 s\)$/);
    clock.advance(300);
    progress.update({ records: 0, bytes: 0 });
    assert.match(written.at(-1)!, /\(throttled: retrying in 4 s\)$/, 'no progress: the note stays');
    clock.advance(300);
    progress.update({ records: 1, bytes: 1 });
    assert.doesNotMatch(written.at(-1)!, /throttled/);
  });

  test('without a terminal a note is a line of its own, written at once', () => {
    const { stream, written } = fakeStream(false);
    const progress = startProgress({ label: 'produce t', stream, enabled: true, now: fakeClock().now });
    progress.note('throttled: retrying in 4 s');
    assert.deepEqual(written, ['produce t: throttled: retrying in 4 s\n']);
  });

  test('done ends the terminal line with the totals and the average rate, then ignores further calls', () => {
    const { stream, written } = fakeStream(true);
    const clock = fakeClock();
    const progress = startProgress({ label: 'produce t', stream, enabled: true, now: clock.now });
    clock.advance(4000);
    progress.update({ records: 8000, bytes: 4 * 1024 * 1024 });
    progress.done();
    assert.equal(written.at(-1), '\r\x1b[2Kproduce t: 8,000 records, 4.0 MiB in 4 s (2,000 records/s, 1.0 MiB/s)\n');
    const count = written.length;
    progress.update({ records: 1, bytes: 1 });
    progress.note('late');
    progress.done();
    assert.equal(written.length, count);
  });
});

describe('size and duration', () => {
  test('size uses binary units with one decimal', () => {
    assert.deepEqual([size(0), size(1023), size(1536), size(5 * 1024 * 1024 * 1024)], ['0 B', '1023 B', '1.5 KiB', '5.0 GiB']);
  });

  test('duration reads as seconds, minutes or hours', () => {
    assert.deepEqual([duration(4_400), duration(185_000), duration(7_620_000)], ['4 s', '3 m 05 s', '2 h 07 m']);
  });
});
