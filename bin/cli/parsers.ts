import { InvalidArgumentError } from 'commander';

/** Commander argument parsers: each refuses a bad value as a usage error naming the rule. */

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

export function collect<T>(parse: (value: string) => T): (value: string, previous: T[]) => T[] {
  return (value, previous = []) => [...previous, parse(value)];
}

export function keyValue(value: string): [string, string] {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('must be key=value');
  return [value.slice(0, at), value.slice(at + 1)];
}

export function baseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('must be an http:// or https:// URL');
  return value;
}

export function watchUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be a ws:// or wss:// URL');
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new InvalidArgumentError('must be a ws:// or wss:// URL');
  return value;
}

export type StartFrom = 'earliest' | 'latest' | number;

export function startFrom(value: string): StartFrom {
  if (value === 'earliest' || value === 'latest') return value;
  if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  throw new InvalidArgumentError('must be earliest, latest or an offset');
}

/** `\t` on the command line means a tab, since shells make a literal tab awkward to type. */
export function separator(value: string): string {
  if (value === '') throw new InvalidArgumentError('must not be empty');
  return value === '\\t' ? '\t' : value;
}

/** One of `choices`, given in any case; answers it upper-case, as the API spells it. */
export function upperChoice<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    const upper = value.toUpperCase() as T;
    if (!choices.includes(upper)) throw new InvalidArgumentError(`must be one of ${choices.map((c) => c.toLowerCase()).join(', ')}`);
    return upper;
  };
}

/** `--max-record-age-seconds`: -1 (no limit) or 60-604800, as the API allows. */
export function maxRecordAge(value: string): number {
  if (value === '-1') return -1;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 60 || n > 604_800) throw new InvalidArgumentError('must be -1 (no limit) or an integer from 60 to 604800');
  return n;
}

export const BYTE_RATE_MAX = 10 * 1024 * 1024 * 1024;

/** A quota rate: bytes per second, or `unlimited` (null on the wire; Commander turns a parser's null into ''). */
export function byteRate(value: string): number | 'unlimited' {
  if (value.toLowerCase() === 'unlimited') return 'unlimited';
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > BYTE_RATE_MAX) throw new InvalidArgumentError(`must be unlimited or an integer from 1 to ${BYTE_RATE_MAX}`);
  return n;
}

export function pushSecret(value: string): string {
  if (value.length < 16 || value.length > 256) throw new InvalidArgumentError('must be 16 to 256 characters');
  return value;
}

export function lambdaArn(value: string): string {
  if (!/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/.test(value)) {
    throw new InvalidArgumentError('must be a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias>])');
  }
  return value;
}

/** A trim offset: a whole number, or `end` (also -1) for the high watermark, as rpk's `trim-prefix --offset end`. */
export function trimOffset(value: string): number {
  if (value === 'end' || value === '-1') return -1;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError("must be an integer of at least 0, or 'end' for the high watermark");
  return n;
}

/** A comma-separated list of partition numbers: `0,2,5`. */
export function partitionList(value: string): number[] {
  const parts = value.split(',');
  if (!parts.every((p) => /^\d+$/.test(p) && Number.isSafeInteger(Number(p)))) throw new InvalidArgumentError('must be partition numbers separated by commas, e.g. 0,2');
  return parts.map(Number);
}

/**
 * A point in time: an ISO 8601 date-time (`2026-12-07T10:00:00Z`; without a zone it is
 * local time, as kafka-consumer-groups --to-datetime reads it) or milliseconds since the epoch.
 */
export function dateTime(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isSafeInteger(ms) || ms < 0) throw new InvalidArgumentError('must be an ISO 8601 date-time such as 2026-12-07T10:00:00Z, or milliseconds since the epoch');
  return ms;
}
