/** The few Sluice API calls the benchmark makes, over the global fetch (keep-alive), with request bodies built once. */
import { fetchResponseFromBatches } from '../../lib/client/record-batches-reader';
import { RECORD_BATCHES_TYPE } from '../../lib/protocol/record-batches';

/** How a fetch is answered: JSON, or the stored batches decoded by the client's reader (lib/client/record-batches-reader.ts). */
export type FetchFormat = 'json' | 'batches';

export class BenchApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FetchAnswer {
  records: { offset: number; value: string | null }[];
  nextOffset: number;
  highWatermark: number;
}

export class BenchApi {
  constructor(readonly baseUrl: string) {}

  async createTopic(name: string, partitions: number): Promise<void> {
    await this.call('POST', '/v1/topics', JSON.stringify({ name, partitions }));
  }

  /** `GET /v1/topics/{topic}`: the topic alone (one read). */
  async describeTopic(topic: string): Promise<unknown> {
    return this.call('GET', `/v1/topics/${encodeURIComponent(topic)}`);
  }

  /** `GET /v1/topics/{topic}/offsets`: every partition's offsets (the topic, then every head). */
  async topicOffsets(topic: string): Promise<unknown> {
    return this.call('GET', `/v1/topics/${encodeURIComponent(topic)}/offsets`);
  }

  /** Sends a body made by `produceBody`; answers the base offset of the call's first record. */
  async produce(topic: string, body: string): Promise<{ offset: number }> {
    const answer = (await this.call('POST', `/v1/topics/${encodeURIComponent(topic)}/records`, body)) as { records: { offset: number }[] };
    return { offset: answer.records[0]!.offset };
  }

  async fetch(
    topic: string,
    partition: number,
    query: { offset: number; maxRecords?: number; maxBytes?: number; waitMs?: number; encoding?: 'utf8' | 'base64' },
    signal?: AbortSignal,
    format: FetchFormat = 'json',
  ): Promise<FetchAnswer> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const path = `/v1/topics/${encodeURIComponent(topic)}/partitions/${partition}/records?${params}`;
    if (format === 'json') return (await this.call('GET', path, undefined, signal)) as FetchAnswer;
    const response = await fetch(this.baseUrl + path, { headers: { accept: RECORD_BATCHES_TYPE }, signal });
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!response.ok) throw new BenchApiError(response.status, `HTTP_${response.status}`, `GET ${path.split('?')[0]}: ${response.status} ${new TextDecoder().decode(bytes).slice(0, 200)}`);
    return fetchResponseFromBatches(bytes, response.headers, { topic, partition, from: query.offset, encoding: query.encoding ?? 'base64' });
  }

  private async call(method: string, path: string, body?: string, signal?: AbortSignal): Promise<unknown> {
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body,
      signal,
    });
    const text = await response.text();
    if (!response.ok) {
      let code = `HTTP_${response.status}`;
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? code;
      } catch {
        // not a Sluice error body
      }
      throw new BenchApiError(response.status, code, `${method} ${path.split('?')[0]}: ${response.status} ${text.slice(0, 200)}`);
    }
    return text ? JSON.parse(text) : undefined;
  }
}

/** A produce body of `count` records with `value` each, all to `partition`. */
export function produceBody(count: number, partition: number, value: (i: number) => string): string {
  const records = Array.from({ length: count }, (_, i) => ({ value: value(i), partition }));
  return JSON.stringify({ records });
}

/** A 1 KiB value: `prefix` padded with filler to exactly `bytes` characters (ASCII, so bytes). */
export function paddedValue(prefix: string, bytes: number): string {
  return prefix.length >= bytes ? prefix : prefix + 'x'.repeat(bytes - prefix.length);
}

/** A record value that carries the time its produce call started, for end-to-end latency. */
export function timestampedValue(bytes: number): string {
  return paddedValue(`{"t":${(performance.timeOrigin + performance.now()).toFixed(3)}}`, bytes);
}

/** Reads the send time back out of a value made by `timestampedValue`. */
export function sentAt(value: string | null): number | undefined {
  if (!value) return undefined;
  const match = /^\{"t":([0-9.]+)\}/.exec(value);
  return match ? Number(match[1]) : undefined;
}

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
