/**
 * A progress display for long commands (produce, consume) on stderr: records, bytes,
 * the recent rate and, when the input's size is known, the share done and an ETA.
 *
 * On a terminal it redraws one status line in place (at most every 200 ms), and a
 * note ("throttled: retrying in 4 s") stays on that line until progress resumes, so a
 * stall is never silent. Elsewhere (`--progress` into a pipe or file) it writes one
 * plain line a second at most, and each note as a line of its own: logs stay readable.
 * The caller decides whether it is enabled (stderr is a TTY, or `--progress`); when it
 * is not, every method does nothing, so callers need no conditionals.
 */

export interface ProgressOptions {
  /** What is progressing, at the start of each line, e.g. `produce orders`. */
  label: string;
  /** The input's size in bytes, if known (a file): enables the percentage and the ETA. */
  totalBytes?: number;
  /** Where to draw; default `process.stderr`. */
  stream?: NodeJS.WriteStream;
  enabled: boolean;
  /** The clock, in ms; default `Date.now`. */
  now?: () => number;
}

export interface Progress {
  /** Counts records and bytes done since the last call. Cheap: call it per record. */
  update(delta: { records: number; bytes: number }): void;
  /** Says why progress is held back (a throttle, a retry); shown until progress resumes. */
  note(message: string): void;
  /** Draws the final counts and ends the display. Further calls do nothing. */
  done(): void;
}

/** Redraws of a terminal's status line at most this often. */
const TTY_INTERVAL_MS = 200;
/** Plain lines at most this often. */
const LINE_INTERVAL_MS = 1_000;
/** The rate is taken over roughly this much recent time, so it follows a slowdown (a throttle) quickly. */
const RATE_WINDOW_MS = 5_000;
/** Erase the whole line and go back to its start. */
const CLEAR_LINE = '\r\x1b[2K';

const NOOP: Progress = { update() {}, note() {}, done() {} };

export function startProgress(options: ProgressOptions): Progress {
  if (!options.enabled) return NOOP;
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  const interval = tty ? TTY_INTERVAL_MS : LINE_INTERVAL_MS;
  const started = now();
  let records = 0;
  let bytes = 0;
  let lastDraw = started;
  let pendingNote: string | undefined;
  let finished = false;
  /** Samples of [time, records, bytes], oldest first, for the recent rate. */
  const samples: [number, number, number][] = [[started, 0, 0]];
  // A stall (no updates) still redraws: the rate falls and the elapsed time moves on.
  const timer = setInterval(() => draw(false), interval);
  timer.unref();

  function rate(at: number): { records: number; bytes: number } {
    samples.push([at, records, bytes]);
    while (samples.length > 2 && at - samples[1]![0] >= RATE_WINDOW_MS) samples.shift();
    const [t0, r0, b0] = samples[0]!;
    const seconds = (at - t0) / 1000;
    return seconds > 0 ? { records: (records - r0) / seconds, bytes: (bytes - b0) / seconds } : { records: 0, bytes: 0 };
  }

  function line(at: number, final: boolean): string {
    const elapsed = at - started;
    let text = `${options.label}: ${count(records)} record${records === 1 ? '' : 's'}, ${size(bytes)}`;
    if (final) {
      const seconds = Math.max(elapsed, 1) / 1000;
      return `${text} in ${duration(elapsed)} (${count(Math.round(records / seconds))} records/s, ${size(bytes / seconds)}/s)`;
    }
    const r = rate(at);
    text += `, ${count(Math.round(r.records))} records/s, ${size(r.bytes)}/s`;
    const total = options.totalBytes;
    if (total !== undefined && total > 0) {
      text += `, ${Math.min(100, Math.floor((bytes / total) * 100))}%`;
      if (tty && r.bytes > 0 && bytes < total) text += `, ETA ${duration(((total - bytes) / r.bytes) * 1000)}`;
    }
    if (tty && pendingNote !== undefined) text += ` (${pendingNote})`;
    return text;
  }

  function draw(force: boolean): void {
    if (finished) return;
    const at = now();
    if (!force && at - lastDraw < interval) return;
    lastDraw = at;
    stream.write(tty ? `${CLEAR_LINE}${line(at, false)}` : `${line(at, false)}\n`);
  }

  return {
    update(delta) {
      if (finished) return;
      records += delta.records;
      bytes += delta.bytes;
      if (delta.records > 0 || delta.bytes > 0) pendingNote = undefined;
      draw(false);
    },
    note(message) {
      if (finished) return;
      if (tty) {
        pendingNote = message;
        draw(true);
      } else stream.write(`${options.label}: ${message}\n`);
    },
    done() {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      const final = line(now(), true);
      stream.write(tty ? `${CLEAR_LINE}${final}\n` : `${final}\n`);
    },
  };
}

/** 1234567 → `1,234,567`. */
function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Bytes as B, KiB, MiB or GiB with one decimal above bytes. */
export function size(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(n)} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** Milliseconds as `42 s`, `3 m 05 s` or `2 h 07 m`. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
}
