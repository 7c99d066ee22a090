import type { ResetOffsetsRequest } from '../../protocol/requests';

/** The reset form as the user filled it in: every field a string, as inputs give them. */
export interface ResetForm {
  topic: string;
  /** "all", or partition numbers and ranges: "0, 2-4". */
  partitions: string;
  target: 'earliest' | 'latest' | 'offset' | 'timestamp';
  /** The offset, for target "offset". */
  offset: string;
  /** A date-time as a datetime-local input gives it ("2026-12-08T01:30"), read as UTC, for target "timestamp". */
  dateTime: string;
}

export type ResetPlanResult = { ok: true; request: ResetOffsetsRequest } | { ok: false; field: keyof ResetForm; message: string };

/** "0, 2-4" as [0, 2, 3, 4]; "" or "all" as undefined (every partition); null when unreadable. */
export function parsePartitions(text: string): number[] | undefined | null {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === '' || trimmed === 'all') return undefined;
  const chosen = new Set<number>();
  for (const part of trimmed.split(',')) {
    const range = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!range) return null;
    const from = Number(range[1]);
    const to = range[2] === undefined ? from : Number(range[2]);
    if (to < from || to - from > 1024) return null;
    for (let p = from; p <= to; p++) chosen.add(p);
  }
  return [...chosen].sort((a, b) => a - b);
}

/**
 * The reset-offsets body the form asks for, or the first field that is wrong. The API
 * checks everything again; this only keeps an obviously incomplete form from being sent.
 * The date-time is read as UTC, as the console prints every time in UTC.
 */
export function resetRequest(form: ResetForm, dryRun: boolean): ResetPlanResult {
  if (!form.topic) return { ok: false, field: 'topic', message: 'Choose a topic.' };
  const partitions = parsePartitions(form.partitions);
  if (partitions === null) return { ok: false, field: 'partitions', message: 'Partitions: "all", or numbers and ranges such as "0, 2-4".' };
  let to: ResetOffsetsRequest['to'];
  switch (form.target) {
    case 'earliest':
    case 'latest':
      to = { type: form.target };
      break;
    case 'offset': {
      const offset = Number(form.offset.trim());
      if (form.offset.trim() === '' || !Number.isSafeInteger(offset) || offset < 0) return { ok: false, field: 'offset', message: 'The offset must be a whole number, 0 or more.' };
      to = { type: 'offset', offset };
      break;
    }
    case 'timestamp': {
      const timestamp = parseUtcDateTime(form.dateTime);
      if (timestamp === undefined) return { ok: false, field: 'dateTime', message: 'Give a date and time (UTC).' };
      to = { type: 'timestamp', timestamp };
      break;
    }
  }
  return { ok: true, request: { topic: form.topic, ...(partitions ? { partitions } : {}), to, dryRun } };
}

/** "2026-12-08T01:30" or "2026-12-08T01:30:15" (a datetime-local value) as ms, read as UTC. */
export function parseUtcDateTime(text: string): number | undefined {
  const match = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,3}))?)?$/.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, ms] = match;
  const at = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), Number((ms ?? '0').padEnd(3, '0')));
  // Date.UTC rolls 2026-02-31 over into March; a date that does not exist is refused instead.
  const back = new Date(at);
  if (back.getUTCMonth() !== Number(mo) - 1 || back.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return undefined;
  return at >= 0 ? at : undefined;
}
