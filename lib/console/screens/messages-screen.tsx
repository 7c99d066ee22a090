import { useEffect, useRef, useState } from 'preact/hooks';
import type { TopicOffsets } from '../../client/index';
import { ErrorView } from '../components/error-view';
import { readLive } from '../components/message-live';
import { MessageProduceForm } from '../components/message-produce-form';
import { MessageTable } from '../components/message-table';
import { useLoad } from '../components/use-load';
import type { Api } from '../model/api';
import { shownError, type ShownError } from '../model/errors';
import { hasMore, keepNewest, mapLimit, mergeRows, parseLocalDateTime, startPositions, type Positions, type StartSpec } from '../model/message-cursor';
import { matchesFilter, recordView, type BinaryFormat, type RecordView } from '../model/record-view';
import { routeHash } from '../model/route';

/** Records a page shows (spread over the partitions when reading all of them). */
const PAGE_RECORDS = 50;
/** A live view keeps the newest this many rows, so a busy topic cannot grow the page without bound. */
const LIVE_ROWS = 1_000;
/** Live records are shown in batches this far apart, not one render per record. */
const LIVE_FLUSH_MS = 100;
/** Partitions fetched at once for a page: a few, leaving the browser's six connections per origin for the rest of the page. */
const PAGE_FETCH_CONCURRENCY = 4;

type StartKind = StartSpec['kind'];

type View =
  | { mode: 'idle' }
  | { mode: 'browse'; positions: Positions; next: Positions; highWatermarks: Record<number, number>; rows: RecordView[]; history: Positions[] }
  /** `following` false once stopped: the rows received stay. */
  | { mode: 'live'; rows: RecordView[]; following: boolean };

/** A choice the API would refuse or cannot take, named like an API error. */
class InputError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: { field: string },
  ) {
    super(message);
  }
}

/** Records per partition per page: the page's records spread over the partitions read, at least 5 each. */
const perPartition = (partitions: number) => (partitions <= 1 ? PAGE_RECORDS : Math.max(5, Math.ceil(PAGE_RECORDS / partitions)));

/**
 * A topic's records: one partition or all, from the earliest, the latest, an offset or a
 * time, paged or followed live; each record's key, value and headers judged and shown as
 * JSON, text or binary (lib/console/model/record-view.ts); a text filter over what is shown;
 * and a form that produces a record.
 */
export function MessagesScreen({ api, topic }: { api: Api; topic: string }) {
  const described = useLoad((signal) => api.client.describeTopic(topic, { signal }), [api, topic]);
  const [partition, setPartition] = useState<'all' | number>('all');
  const [startKind, setStartKind] = useState<StartKind>('earliest');
  const [offsetText, setOffsetText] = useState('0');
  const [timeText, setTimeText] = useState('');
  const [binary, setBinary] = useState<BinaryFormat>('hex');
  const [filter, setFilter] = useState('');
  const [view, setView] = useState<View>({ mode: 'idle' });
  const [error, setError] = useState<ShownError | undefined>();
  const [busy, setBusy] = useState(false);
  /** The live view's connections; aborted when it stops, the selection changes or the page is left. */
  const live = useRef<AbortController | undefined>(undefined);
  /** Bumped by each read started, so an answer to an older one is dropped. */
  const generation = useRef(0);

  const stopLive = () => {
    live.current?.abort();
    live.current = undefined;
  };
  useEffect(() => stopLive, []);

  const partitionCount = described.data?.partitions ?? 0;
  const selected = (): number[] => (partition === 'all' ? Array.from({ length: partitionCount }, (_, p) => p) : [partition]);

  /** The start chosen, as one offset per selected partition. */
  async function resolveStart(parts: number[]): Promise<Positions> {
    const offsets: TopicOffsets = await api.client.listTopicOffsets(topic);
    const chosen = offsets.partitions.filter((p) => parts.includes(p.partition));
    const size = perPartition(parts.length);
    if (startKind === 'offset') {
      const offset = Number(offsetText);
      if (offsetText.trim() === '' || !Number.isSafeInteger(offset) || offset < 0) throw new InputError('INVALID_OFFSET', `The offset must be a whole number of at least 0, not "${offsetText}".`, { field: 'offset' });
      return startPositions(chosen, { kind: 'offset', offset }, size);
    }
    if (startKind === 'time') {
      const timestamp = parseLocalDateTime(timeText);
      if (timestamp === undefined || timestamp < 0) throw new InputError('INVALID_TIME', 'Choose a date and time to start from.', { field: 'time' });
      const answers = parts.length === 1 ? [await api.client.offsetForTime(topic, parts[0]!, timestamp)] : await api.admin.offsetsForTimes(topic, timestamp, parts);
      return startPositions(chosen, { kind: 'time', timestamp }, size, Object.fromEntries(answers.map((a) => [a.partition, a.offset])));
    }
    return startPositions(chosen, { kind: startKind }, size);
  }

  /** Reads one page from `positions` on, in every partition it names. */
  async function loadPage(positions: Positions, history: Positions[]) {
    const run = ++generation.current;
    setBusy(true);
    setError(undefined);
    try {
      const parts = Object.keys(positions).map(Number);
      const size = perPartition(parts.length);
      const answers = await mapLimit(parts, PAGE_FETCH_CONCURRENCY, (p) => api.client.fetchRecords(topic, p, { offset: positions[p], maxRecords: size, encoding: 'base64', format: 'json' }));
      if (run !== generation.current) return;
      setView({
        mode: 'browse',
        positions,
        history,
        next: Object.fromEntries(answers.map((a) => [a.partition, a.nextOffset])),
        highWatermarks: Object.fromEntries(answers.map((a) => [a.partition, a.highWatermark])),
        rows: mergeRows(answers.map((a) => a.records.map((r) => recordView(a.partition, r)))),
      });
    } catch (err) {
      if (run === generation.current) setError(shownError(err));
    } finally {
      if (run === generation.current) setBusy(false);
    }
  }

  async function show() {
    stopLive();
    const run = ++generation.current;
    setError(undefined);
    try {
      const positions = await resolveStart(selected());
      if (run === generation.current) await loadPage(positions, []);
    } catch (err) {
      if (run === generation.current) setError(shownError(err));
    }
  }

  async function follow() {
    stopLive();
    const run = ++generation.current;
    setError(undefined);
    setBusy(false);
    let positions: Positions;
    try {
      positions = await resolveStart(selected());
    } catch (err) {
      if (run === generation.current) setError(shownError(err));
      return;
    }
    if (run !== generation.current) return;
    const abort = new AbortController();
    live.current = abort;
    setView({ mode: 'live', rows: [], following: true });
    let buffer: RecordView[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      const add = buffer;
      buffer = [];
      if (!abort.signal.aborted) setView((v) => (v.mode === 'live' ? { ...v, rows: keepNewest([...v.rows, ...add], LIVE_ROWS) } : v));
    };
    readLive(
      api,
      topic,
      positions,
      abort.signal,
      (rows) => {
        buffer.push(...rows);
        timer ??= setTimeout(flush, LIVE_FLUSH_MS);
      },
      (err) => setError(shownError(err)),
    );
  }

  // The first look: every partition from the earliest record.
  useEffect(() => {
    if (described.data && view.mode === 'idle') void show();
  }, [described.data]);

  /** A change of what to read stops a live view: it no longer shows what the controls say. */
  const changed = <T,>(set: (value: T) => void) => (value: T) => {
    // A read still resolving its start was for the old choice: its answer is dropped.
    ++generation.current;
    setBusy(false);
    if (live.current) {
      stopLive();
      setView((v) => (v.mode === 'live' ? { ...v, following: false } : v));
    }
    set(value);
  };

  const rows = view.mode === 'idle' ? [] : view.rows;
  const shown = rows.filter((r) => matchesFilter(r, filter, binary));

  return (
    <section>
      <h1>
        Messages in <code>{topic}</code>
      </h1>
      <p>
        <a href={routeHash({ screen: 'topic', topic })}>Topic details</a> · <a href={routeHash({ screen: 'topics' })}>All topics</a>
      </p>
      {described.error && <ErrorView error={described.error} onRetry={described.reload} />}
      {described.data && (
        <>
          <form
            class="toolbar"
            data-form="browse"
            onSubmit={(e) => {
              e.preventDefault();
              void show();
            }}
          >
            <label>
              Partition
              <select name="partition" value={String(partition)} onChange={(e) => changed(setPartition)(readPartition((e.target as HTMLSelectElement).value))}>
                <option value="all">all</option>
                {Array.from({ length: partitionCount }, (_, p) => (
                  <option key={p} value={String(p)}>
                    {p}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Start from
              <select name="start" value={startKind} onChange={(e) => changed(setStartKind)((e.target as HTMLSelectElement).value as StartKind)}>
                <option value="earliest">earliest</option>
                <option value="latest">latest</option>
                <option value="offset">an offset</option>
                <option value="time">a date-time</option>
              </select>
            </label>
            {startKind === 'offset' && (
              <label>
                Offset
                <input name="offset" type="number" min={0} value={offsetText} onInput={(e) => changed(setOffsetText)((e.target as HTMLInputElement).value)} />
              </label>
            )}
            {startKind === 'time' && (
              <label>
                Date-time (your local time)
                <input name="time" type="datetime-local" step={1} value={timeText} onInput={(e) => changed(setTimeText)((e.target as HTMLInputElement).value)} />
              </label>
            )}
            <button type="submit" class="primary" disabled={busy}>
              Show
            </button>
            {view.mode === 'live' && view.following ? (
              <button
                type="button"
                onClick={() => {
                  stopLive();
                  setView({ ...view, following: false });
                }}
              >
                Stop following
              </button>
            ) : (
              <button type="button" onClick={() => void follow()}>
                Follow live
              </button>
            )}
          </form>
          <div class="toolbar">
            <label>
              Filter (key, value, headers)
              <input name="filter" type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
            </label>
            <label>
              Binary as
              <select name="binary" value={binary} onChange={(e) => setBinary((e.target as HTMLSelectElement).value as BinaryFormat)}>
                <option value="hex">hex</option>
                <option value="base64">base64</option>
              </select>
            </label>
          </div>
          {error && <ErrorView error={error} />}
          <p class="muted" role="status" data-status={view.mode === 'live' && !view.following ? 'stopped' : view.mode}>
            {view.mode === 'live' && `${view.following ? 'Following live' : 'Stopped following'}: ${rows.length} record${rows.length === 1 ? '' : 's'} received${rows.length >= LIVE_ROWS ? ` (the newest ${LIVE_ROWS} kept)` : ''}.`}
            {view.mode === 'browse' && `${rows.length} record${rows.length === 1 ? '' : 's'} on this page.`}
            {view.mode === 'idle' && (busy ? 'Loading…' : 'Choose where to start, then Show or Follow live.')}
            {filter.trim() && view.mode !== 'idle' && ` ${shown.length} match the filter.`}
          </p>
          <MessageTable rows={shown} binary={binary} />
          {view.mode === 'browse' && (
            <nav class="pager" aria-label="Message pages">
              <button type="button" disabled={busy || view.history.length === 0} onClick={() => void loadPage(view.history[view.history.length - 1]!, view.history.slice(0, -1))}>
                Previous page
              </button>
              <button type="button" disabled={busy || !hasMore(view.next, view.highWatermarks)} onClick={() => void loadPage(view.next, [...view.history, view.positions])}>
                Next page
              </button>
            </nav>
          )}
          <h2>Produce a record</h2>
          <MessageProduceForm api={api} topic={topic} partitions={partitionCount} />
        </>
      )}
    </section>
  );
}

function readPartition(value: string): 'all' | number {
  return value === 'all' ? 'all' : Number(value);
}
