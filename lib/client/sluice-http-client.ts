import type {
  AclRule,
  AclRuleRequest,
  CommitOffsetsRequest,
  CommitOffsetsResponse,
  CreateTopicOptions,
  CreatedSubscription,
  DeleteGroupOffsetsResponse,
  FetchedRecord,
  FetchOptions,
  FetchResponse,
  FollowOptions,
  GroupDescription,
  GroupOffsets,
  GroupOffsetsOptions,
  GroupSummary,
  InitProducerOptions,
  JoinGroupOptions,
  MembershipView,
  OffsetForTimeResponse,
  PartitionOffsetsResponse,
  ProduceRequest,
  ProduceResponse,
  ProducerIdentity,
  Quota,
  QuotaRequest,
  ResetOffsetsRequest,
  ResetOffsetsResponse,
  SubscriptionDescription,
  SubscriptionRequest,
  Topic,
  TopicConfigChange,
  TopicDescription,
  TopicOffsets,
} from './types';
import type { WatchSocketFactory } from './tail-watcher';
import { ERROR_CODES, isErrorCode } from '../protocol/error-codes';
import { EVENT_STREAM_TYPE, SseParser, type SseMessage } from '../protocol/live';
import { RECORD_BATCHES_TYPE } from '../protocol/record-batches';
// follow()'s reconnection waits are the client's call backoff (250 ms doubling to 4 s, or Retry-After if longer).
import { CALL_BACKOFF, hasCode, retryDelay, sleep } from './retry';

export type * from './types';

/** An error response from the Sluice API: the `{ error: { code, message, retriable, ... } }` body. */
export class SluiceApiError extends Error {
  override readonly name = 'SluiceApiError';

  constructor(
    /** The HTTP status. */
    readonly status: number,
    /** The stable error code, for example `TOPIC_NOT_FOUND`. */
    readonly code: string,
    message: string,
    /** Whether sending the same request again can succeed. */
    readonly retriable: boolean,
    /** Every other field of the error body, for example `field` and `limit`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The error as the API sends it, plus the HTTP status. */
  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, retriable: this.retriable, status: this.status, ...this.details };
  }
}

/**
 * The request never got an HTTP response: the server could not be reached, the
 * connection broke, or the request timed out. For a write, whether the server
 * processed it is unknown.
 */
export class SluiceConnectionError extends Error {
  override readonly name = 'SluiceConnectionError';
  readonly code = 'CONNECTION_FAILED';
  readonly retriable = true;

  constructor(
    message: string,
    readonly baseUrl: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, retriable: this.retriable, baseUrl: this.baseUrl };
  }
}

export interface SluiceHttpClientOptions {
  /** Where the API is served, with any stage path: `https://abc.execute-api.eu-west-1.amazonaws.com/prod`. */
  baseUrl: string;
  /** Sent with every request (for example `authorization`). */
  headers?: Record<string, string>;
  /** Give up on a request after this long, as a `SluiceConnectionError`; default 60 s, 0 for never. */
  timeoutMs?: number;
  /** The fetch implementation; the global `fetch` by default. */
  fetch?: typeof fetch;
  /** Signs each request (for example `iamSigner()` for SigV4); answers the headers to send. */
  signer?: RequestSigner;
  /**
   * The tail-wait WebSocket URL: the stack's `WatchUrl` output (`wss://…/<stage>`),
   * or the local platform's. Consumers made with this client then wait at the tail on one
   * connection (no server running while idle) instead of one HTTP long-poll per partition.
   * It is connected with the same credentials: SigV4-presigned with `iamSigner()`, or the
   * bearer token of an `authorization` header as `?token=`.
   */
  watchUrl?: string;
  /** Opens the watch connection; the global `WebSocket` by default (Node 22+, browsers). For Node 20: `(url) => new (require('ws'))(url)`. */
  webSocket?: WatchSocketFactory;
}

/** Answers the complete headers to send for a request, signature included. */
export type RequestSigner = ((request: { method: string; url: string; headers: Record<string, string>; body?: string | Uint8Array }) => Promise<Record<string, string>>) & {
  /** Answers `url` with its signature in the query string, for a request that cannot carry headers (a WebSocket connect). */
  presignUrl?(url: string, expiresInSeconds: number): Promise<string>;
};

export interface RequestOptions {
  /** Aborting rejects the call with the signal's reason (an `AbortError` by default), not a Sluice error. */
  signal?: AbortSignal;
  /**
   * Send the JSON body gzip-compressed (`content-encoding: gzip`, as `application/octet-stream` so
   * API Gateway hands it to Lambda intact, base64-encoded). Fewer bytes on the wire and fewer
   * 512 KB units of metered API Gateway requests, for some client CPU.
   */
  compression?: 'gzip';
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** A presigned watch URL is checked when the connection opens, so it need not live long. */
const WATCH_PRESIGN_SECONDS = 300;

/** A small typed client for the Sluice HTTP API v1 (docs/http-api.md), one method per route. */
export class SluiceHttpClient {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly signer?: RequestSigner;
  /** The tail-wait WebSocket URL, if any (see `SluiceHttpClientOptions.watchUrl`). */
  readonly watchUrl?: string;
  /** @internal How the consumer opens the watch connection. */
  readonly webSocket?: WatchSocketFactory;

  constructor(options: SluiceHttpClientOptions | string) {
    const opts = typeof options === 'string' ? { baseUrl: options } : options;
    const url = new URL(opts.baseUrl); // throws on a malformed URL
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`baseUrl must be an http or https URL, not ${opts.baseUrl}`);
    }
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.headers = opts.headers ?? {};
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // Browsers refuse a fetch called as another object's method ("Illegal invocation"): keep it bound.
    this.fetchImpl = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.signer = opts.signer;
    if (opts.watchUrl !== undefined) {
      const watch = new URL(opts.watchUrl);
      if (watch.protocol !== 'ws:' && watch.protocol !== 'wss:') throw new TypeError(`watchUrl must be a ws or wss URL, not ${opts.watchUrl}`);
      this.watchUrl = opts.watchUrl;
    }
    this.webSocket = opts.webSocket;
  }

  /**
   * @internal The URL to open the watch connection with: presigned by the signer when it
   * can (IAM), else with the `authorization` header's bearer token as `token` (a browser's
   * WebSocket cannot send headers), else as given.
   */
  async watchConnectUrl(): Promise<string> {
    if (this.watchUrl === undefined) throw new TypeError('this client has no watchUrl');
    if (this.signer?.presignUrl) return this.signer.presignUrl(this.watchUrl, WATCH_PRESIGN_SECONDS);
    const authorization = Object.entries(this.headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
    const bearer = authorization === undefined ? undefined : /^Bearer\s+(.+)$/i.exec(authorization)?.[1];
    if (bearer === undefined) return this.watchUrl;
    const url = new URL(this.watchUrl);
    url.searchParams.set('token', bearer.trim());
    return url.toString();
  }

  /** `POST /v1/topics`. */
  createTopic(name: string, options: CreateTopicOptions = {}, request?: RequestOptions): Promise<Topic> {
    return this.request<Topic>('POST', '/v1/topics', { body: { name, ...options }, ...request });
  }

  /** `GET /v1/topics`: every topic, sorted by name. */
  async listTopics(request?: RequestOptions): Promise<Topic[]> {
    const body = await this.request<{ topics: Topic[] }>('GET', '/v1/topics', request);
    return body.topics;
  }

  /** `GET /v1/topics/{topic}`: the topic (name, id, partition count, config); no offsets, see `listTopicOffsets`. */
  describeTopic(topic: string, request?: RequestOptions): Promise<TopicDescription> {
    return this.request<TopicDescription>('GET', topicPath(topic), request);
  }

  /** `DELETE /v1/topics/{topic}`. */
  async deleteTopic(topic: string, request?: RequestOptions): Promise<void> {
    await this.request<undefined>('DELETE', topicPath(topic), request);
  }

  /** `PATCH /v1/topics/{topic}`: sets each key given a string, removes each given null; answers the topic as stored now. */
  alterTopicConfig(topic: string, config: TopicConfigChange, request?: RequestOptions): Promise<Topic> {
    return this.request<Topic>('PATCH', topicPath(topic), { body: { config }, ...request });
  }

  /** `POST /v1/topics/{topic}/partitions`: raises the partition count to `count`, the new total (only upwards). */
  createPartitions(topic: string, count: number, request?: RequestOptions): Promise<Topic> {
    return this.request<Topic>('POST', `${topicPath(topic)}/partitions`, { body: { count }, ...request });
  }

  /** `POST /v1/topics/{topic}/records`: all records commit, or none; answers where each landed, in request order. */
  produce(topic: string, batch: ProduceRequest, request?: RequestOptions): Promise<ProduceResponse> {
    return this.request<ProduceResponse>('POST', `${topicPath(topic)}/records`, { body: batch, ...request });
  }

  /**
   * `GET /v1/topics/{topic}/partitions/{partition}/records`. With `waitMs` the server
   * holds an answer at the tail for up to that long; keep the client's `timeoutMs` above it.
   */
  async fetchRecords(
    topic: string,
    partition: number,
    options: FetchOptions = {},
    request?: RequestOptions,
  ): Promise<FetchResponse> {
    const query = new URLSearchParams();
    for (const name of ['offset', 'maxRecords', 'maxBytes', 'encoding', 'waitMs'] as const) {
      const value = options[name];
      if (value !== undefined) query.set(name, String(value));
    }
    const path = `${partitionPath(topic, partition)}/records${query.size > 0 ? `?${query}` : ''}`;
    if ((options.format ?? defaultFetchFormat()) === 'json') return this.request<FetchResponse>('GET', path, request);
    // Batches where the server has them (decoded here: lib/protocol/record-batches.ts), else its JSON answer.
    const { response, bytes } = await this.exchange('GET', path, request ?? {}, `${RECORD_BATCHES_TYPE}, application/json;q=0.5`);
    const type = response.headers.get('content-type') ?? '';
    if (type.startsWith(RECORD_BATCHES_TYPE)) {
      // Node only (it decompresses with node:zlib), so loaded on first use: a browser bundle need not hold it.
      const { fetchResponseFromBatches } = await import('./record-batches-reader');
      return fetchResponseFromBatches(bytes, response.headers, { topic, partition, from: options.offset, encoding: options.encoding ?? 'base64' });
    }
    return parseJson<FetchResponse>(new TextDecoder().decode(bytes), response.status, `GET ${path}`);
  }

  /**
   * A partition read live: `GET …/records` as server-sent events (`Accept: text/event-stream`),
   * yielding each record once, in offset order, from `options.offset` (else the log start)
   * on, for as long as the caller iterates. The server ends each stream after a while (60 s
   * locally) and a connection may drop: the client reconnects with `Last-Event-ID`, the
   * `nextOffset` of the last event it received, so no record is missed or repeated. Retriable
   * errors (connection failures, 429, 503) reconnect with backoff; others are thrown. Where
   * the server cannot stream (the deployed HTTP API answers `501 STREAMING_NOT_SUPPORTED`) it
   * long-polls instead, unless `longPollFallback` is false. `signal` ends the iteration.
   */
  async *follow(topic: string, partition: number, options: FollowOptions = {}): AsyncGenerator<FetchedRecord, void, undefined> {
    const { signal } = options;
    const path = `${partitionPath(topic, partition)}/records`;
    /** Where to resume: the last event's id, once one came. */
    let lastEventId: string | undefined;
    let failures = 0;
    while (!signal?.aborted) {
      let ended = false;
      try {
        for await (const event of this.liveEvents(path, options, lastEventId)) {
          if (event.event === 'end') {
            ended = true;
            continue;
          }
          const answer = JSON.parse(event.data) as FetchResponse;
          lastEventId = event.lastEventId;
          failures = 0;
          for (const record of answer.records) yield record;
        }
      } catch (err) {
        if (signal?.aborted) return;
        if (hasCode(err, 'STREAMING_NOT_SUPPORTED') && options.longPollFallback !== false) {
          yield* this.longPoll(topic, partition, lastEventId === undefined ? options.offset : Number(lastEventId), options);
          return;
        }
        if (!(err instanceof SluiceApiError || err instanceof SluiceConnectionError) || !err.retriable) throw err;
        failures++;
        await sleep(retryDelay(CALL_BACKOFF, failures, err), signal);
        continue;
      }
      // The server ended the stream on time: reconnect at once. A stream cut short: after a backoff.
      if (!ended) await sleep(retryDelay(CALL_BACKOFF, ++failures), signal);
    }
  }

  /** One live-read connection's events (`records` and `end`); a `failure` event or an error answer is thrown as a SluiceApiError. */
  private async *liveEvents(path: string, options: FollowOptions, lastEventId: string | undefined): AsyncGenerator<SseMessage, void, undefined> {
    const query = new URLSearchParams();
    for (const name of ['offset', 'maxRecords', 'maxBytes', 'encoding'] as const) {
      const value = options[name];
      if (value !== undefined && !(name === 'offset' && lastEventId !== undefined)) query.set(name, String(value));
    }
    const url = `${this.baseUrl}${path}${query.size > 0 ? `?${query}` : ''}`;
    const headers: Record<string, string> = { ...this.headers, accept: EVENT_STREAM_TYPE };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    const connection = new AbortController();
    const signals = [connection.signal, ...(options.signal ? [options.signal] : [])];
    const idleTimeoutMs = options.idleTimeoutMs ?? FOLLOW_IDLE_TIMEOUT_MS;
    // Until the answer's headers come, the client's timeout; then the idle timeout, renewed by every chunk.
    let timer = setTimeout(() => connection.abort(), this.timeoutMs > 0 ? this.timeoutMs : idleTimeoutMs);
    try {
      let response: Response;
      try {
        const sent = this.signer ? await this.signer({ method: 'GET', url, headers }) : headers;
        response = await this.fetchImpl(url, { method: 'GET', headers: sent, signal: AbortSignal.any(signals) });
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason;
        throw new SluiceConnectionError(`Could not reach Sluice at ${this.baseUrl} (GET ${path}, live): ${connection.signal.aborted ? 'timed out' : describeCause(err)}`, this.baseUrl, { cause: err });
      }
      if (!response.ok) throw apiError(response, await response.text().catch(() => ''));
      const contentType = response.headers.get('content-type') ?? '';
      if (!contentType.startsWith(EVENT_STREAM_TYPE) || !response.body) {
        await response.body?.cancel().catch(() => undefined);
        // A server from before live reads answers the ordinary fetch: read on as where streaming is refused.
        const code = contentType.startsWith('application/json') ? 'STREAMING_NOT_SUPPORTED' : 'INVALID_RESPONSE';
        throw new SluiceApiError(response.status, code, `GET ${path} (live) answered ${response.status} with ${contentType || 'no content type'}, not an event stream`, false);
      }
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      try {
        for (;;) {
          clearTimeout(timer);
          timer = setTimeout(() => connection.abort(), idleTimeoutMs);
          let chunk: Awaited<ReturnType<typeof reader.read>>;
          try {
            chunk = await reader.read();
          } catch (err) {
            if (options.signal?.aborted) throw options.signal.reason;
            const reason = connection.signal.aborted ? `nothing for ${idleTimeoutMs} ms` : describeCause(err);
            throw new SluiceConnectionError(`The live read of ${path} broke off: ${reason}`, this.baseUrl, { cause: err });
          }
          // No idle clock while the caller works through what came.
          clearTimeout(timer);
          if (chunk.done) return;
          for (const event of parser.push(decoder.decode(chunk.value, { stream: true }))) {
            if (event.event === 'failure') throw liveFailure(event.data, path);
            if (event.event === 'records' || event.event === 'end') yield event;
          }
        }
      } finally {
        reader.releaseLock();
      }
    } finally {
      clearTimeout(timer);
      connection.abort();
    }
  }

  /** `follow()` where the server cannot stream: fetches from `offset` on, each long-polling at the tail. */
  private async *longPoll(topic: string, partition: number, offset: number | undefined, options: FollowOptions): AsyncGenerator<FetchedRecord, void, undefined> {
    const { signal } = options;
    // Answered within the client's timeout, with room for the round trip.
    const waitMs = this.timeoutMs > 0 ? Math.max(0, Math.min(LONG_POLL_WAIT_MS, this.timeoutMs - 5_000)) : LONG_POLL_WAIT_MS;
    let failures = 0;
    while (!signal?.aborted) {
      let answer: FetchResponse;
      try {
        answer = await this.fetchRecords(topic, partition, { offset, maxRecords: options.maxRecords, maxBytes: options.maxBytes, encoding: options.encoding, waitMs }, { signal });
      } catch (err) {
        if (signal?.aborted) return;
        if (!(err instanceof SluiceApiError || err instanceof SluiceConnectionError) || !err.retriable) throw err;
        await sleep(retryDelay(CALL_BACKOFF, ++failures, err), signal);
        continue;
      }
      failures = 0;
      for (const record of answer.records) yield record;
      offset = answer.nextOffset;
    }
  }

  /** `GET /v1/topics/{topic}/partitions/{partition}/offsets`: the log start offset and high watermark. */
  async listOffsets(topic: string, partition: number, request?: RequestOptions): Promise<PartitionOffsetsResponse> {
    return this.request<PartitionOffsetsResponse>('GET', `${partitionPath(topic, partition)}/offsets`, request);
  }

  /** `GET /v1/topics/{topic}/offsets`: every partition's log start offset and high watermark, in partition order. */
  async listTopicOffsets(topic: string, request?: RequestOptions): Promise<TopicOffsets> {
    return this.request<TopicOffsets>('GET', `${topicPath(topic)}/offsets`, request);
  }

  /**
   * `POST /v1/topics/{topic}/partitions/{partition}/trim`: Kafka's DeleteRecords. Records
   * below `offset` (-1: the high watermark) leave the log; answers the new offsets.
   */
  async trimPartition(topic: string, partition: number, offset: number, request?: RequestOptions): Promise<PartitionOffsetsResponse> {
    if (!Number.isSafeInteger(offset) || offset < -1) throw new RangeError(`offset must be an integer of at least -1, not ${offset}`);
    return this.request<PartitionOffsetsResponse>('POST', `${partitionPath(topic, partition)}/trim`, { body: { offset }, ...request });
  }

  /** `GET /v1/topics/{topic}/partitions/{partition}/offsets?timestamp=`: the first offset whose timestamp is at least `timestamp` (null if none). */
  async offsetForTime(topic: string, partition: number, timestamp: number, request?: RequestOptions): Promise<OffsetForTimeResponse> {
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError(`timestamp must be a non-negative integer, not ${timestamp}`);
    return this.request<OffsetForTimeResponse>('GET', `${partitionPath(topic, partition)}/offsets?timestamp=${timestamp}`, request);
  }

  /** `POST /v1/producers`: a producer id and epoch for idempotent produce; the same `name` again bumps the epoch and fences older instances. */
  initProducer(options: InitProducerOptions = {}, request?: RequestOptions): Promise<ProducerIdentity> {
    return this.request<ProducerIdentity>('POST', '/v1/producers', { body: options, ...request });
  }

  // -------------------------------------------------------------------------
  // Consumer groups

  /** `POST /v1/groups/{group}/members`: joins; the assignment comes with later heartbeats (`rebalanceInProgress` until then). */
  joinGroup(group: string, options: JoinGroupOptions, request?: RequestOptions): Promise<MembershipView> {
    return this.request<MembershipView>('POST', `${groupPath(group)}/members`, { body: options, ...request });
  }

  /** `POST /v1/groups/{group}/members/{member}/heartbeat`: renews the lease and answers the current generation and assignment. `UNKNOWN_MEMBER`: join again. */
  heartbeat(group: string, memberId: string, request?: RequestOptions): Promise<MembershipView> {
    return this.request<MembershipView>('POST', `${memberPath(group, memberId)}/heartbeat`, request);
  }

  /** `DELETE /v1/groups/{group}/members/{member}`: leaves at once, so the group rebalances without waiting for the session timeout. */
  async leaveGroup(group: string, memberId: string, request?: RequestOptions): Promise<void> {
    await this.request<undefined>('DELETE', memberPath(group, memberId), request);
  }

  /**
   * `POST /v1/groups/{group}/offsets`: all offsets commit, or none. A member passes its
   * `memberId` and `generation`; a stale generation is `ILLEGAL_GENERATION`, a partition
   * owned by another member `PARTITION_NOT_ASSIGNED`, a lapsed member `UNKNOWN_MEMBER`.
   */
  commitOffsets(group: string, commit: CommitOffsetsRequest, request?: RequestOptions): Promise<CommitOffsetsResponse> {
    return this.request<CommitOffsetsResponse>('POST', `${groupPath(group)}/offsets`, { body: commit, ...request });
  }

  /** `GET /v1/groups/{group}/offsets`: committed offset, position, high watermark and lag per partition. */
  groupOffsets(group: string, options: GroupOffsetsOptions = {}, request?: RequestOptions): Promise<GroupOffsets> {
    const qs = options.topic === undefined ? '' : `?${new URLSearchParams({ topic: options.topic })}`;
    return this.request<GroupOffsets>('GET', `${groupPath(group)}/offsets${qs}`, request);
  }

  /** `GET /v1/groups`: every group, sorted by name. */
  async listGroups(request?: RequestOptions): Promise<GroupSummary[]> {
    const body = await this.request<{ groups: GroupSummary[] }>('GET', '/v1/groups', request);
    return body.groups;
  }

  /** `GET /v1/groups/{group}`: state, generation, members with their assignment, and per-partition lag. */
  describeGroup(group: string, request?: RequestOptions): Promise<GroupDescription> {
    return this.request<GroupDescription>('GET', groupPath(group), request);
  }

  /**
   * `POST /v1/groups/{group}/reset-offsets`: sets the group's offsets on a topic (or some
   * of its partitions) to the earliest, the latest, a time or an offset; `dryRun` answers
   * the plan without writing. `GROUP_ACTIVE` while the group has live members.
   */
  resetGroupOffsets(group: string, body: ResetOffsetsRequest, request?: RequestOptions): Promise<ResetOffsetsResponse> {
    return this.request<ResetOffsetsResponse>('POST', `${groupPath(group)}/reset-offsets`, { body, ...request });
  }

  /** `DELETE /v1/groups/{group}`: deletes a group without live members (`GROUP_ACTIVE` otherwise) and its committed offsets. */
  async deleteGroup(group: string, request?: RequestOptions): Promise<void> {
    await this.request<undefined>('DELETE', groupPath(group), request);
  }

  /** `DELETE /v1/groups/{group}/offsets/{topic}`: deletes a group's committed offsets of one topic; answers the partitions that had one. */
  deleteGroupOffsets(group: string, topic: string, request?: RequestOptions): Promise<DeleteGroupOffsetsResponse> {
    return this.request<DeleteGroupOffsetsResponse>('DELETE', `${groupPath(group)}/offsets/${encodeURIComponent(topic)}`, request);
  }

  // -------------------------------------------------------------------------
  // Push subscriptions

  /**
   * `PUT /v1/groups/{group}/subscription`: creates or replaces the group's push
   * subscription (fields left out take the server's defaults again, and the secret is
   * new unless given). Answers the subscription with its `secret`, the only time it is shown.
   */
  putSubscription(group: string, body: SubscriptionRequest, request?: RequestOptions): Promise<CreatedSubscription> {
    return this.request<CreatedSubscription>('PUT', `${groupPath(group)}/subscription`, { body, ...request });
  }

  /** `GET /v1/groups/{group}/subscription`: the subscription (no secret) with per-partition positions and lag. `SUBSCRIPTION_NOT_FOUND` if none. */
  getSubscription(group: string, request?: RequestOptions): Promise<SubscriptionDescription> {
    return this.request<SubscriptionDescription>('GET', `${groupPath(group)}/subscription`, request);
  }

  /** `DELETE /v1/groups/{group}/subscription`: stops pushing; the group's committed offsets stay. */
  async deleteSubscription(group: string, request?: RequestOptions): Promise<void> {
    await this.request<undefined>('DELETE', `${groupPath(group)}/subscription`, request);
  }

  // -------------------------------------------------------------------------
  // Access control

  /** `POST /v1/acls`: adds a rule; answers it with its `ruleId`. Needs ALTER on the cluster (or an admin principal). */
  createAcl(rule: AclRuleRequest, request?: RequestOptions): Promise<AclRule> {
    return this.request<AclRule>('POST', '/v1/acls', { body: rule, ...request });
  }

  /** `GET /v1/acls`: every rule, oldest first. Needs DESCRIBE on the cluster. */
  async listAcls(request?: RequestOptions): Promise<AclRule[]> {
    const body = await this.request<{ rules: AclRule[] }>('GET', '/v1/acls', request);
    return body.rules;
  }

  /** `DELETE /v1/acls/{ruleId}`; `ACL_NOT_FOUND` if there is no such rule. */
  async deleteAcl(ruleId: string, request?: RequestOptions): Promise<void> {
    await this.request<undefined>('DELETE', `/v1/acls/${encodeURIComponent(ruleId)}`, request);
  }

  /** `PUT /v1/quotas`: replaces the principal's produce and fetch byte rates (omitted or null: unlimited). */
  setQuota(quota: QuotaRequest, request?: RequestOptions): Promise<Quota> {
    return this.request<Quota>('PUT', '/v1/quotas', { body: quota, ...request });
  }

  /** `GET /v1/quotas`: every principal with a quota of its own. */
  async listQuotas(request?: RequestOptions): Promise<Quota[]> {
    const body = await this.request<{ quotas: Quota[] }>('GET', '/v1/quotas', request);
    return body.quotas;
  }

  private async request<T>(
    method: string,
    path: string,
    options: RequestOptions & { body?: unknown } = {},
  ): Promise<T> {
    const { response, bytes } = await this.exchange(method, path, options, 'application/json');
    const text = new TextDecoder().decode(bytes);
    if (text === '') return undefined as T;
    return parseJson<T>(text, response.status, `${method} ${path}`);
  }

  /** Sends a request; answers the response and its body's bytes, or throws the error answer as a SluiceApiError. */
  private async exchange(
    method: string,
    path: string,
    options: RequestOptions & { body?: unknown },
    accept: string,
  ): Promise<{ response: Response; bytes: Uint8Array }> {
    const headers: Record<string, string> = { accept, ...this.headers };
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      if (options.compression === 'gzip') {
        headers['content-type'] = 'application/octet-stream';
        headers['content-encoding'] = 'gzip';
        body = await gzip(body);
      } else headers['content-type'] = 'application/json';
    }
    const signals: AbortSignal[] = [];
    if (options.signal) signals.push(options.signal);
    const timeout = this.timeoutMs > 0 ? AbortSignal.timeout(this.timeoutMs) : undefined;
    if (timeout) signals.push(timeout);

    let response: Response;
    let bytes: Uint8Array;
    try {
      const url = this.baseUrl + path;
      const sent = this.signer ? await this.signer({ method, url, headers, body }) : headers;
      response = await this.fetchImpl(url, {
        method,
        headers: sent,
        body,
        signal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
      });
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      const reason = timeout?.aborted ? `timed out after ${this.timeoutMs} ms` : describeCause(err);
      throw new SluiceConnectionError(`Could not reach Sluice at ${this.baseUrl} (${method} ${path}): ${reason}`, this.baseUrl, {
        cause: err,
      });
    }

    if (!response.ok) throw apiError(response, new TextDecoder().decode(bytes));
    return { response, bytes };
  }
}

/** Batches on Node, whose reader decodes them; JSON elsewhere (a browser). */
function defaultFetchFormat(): 'batches' | 'json' {
  const versions = (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions;
  return typeof versions?.node === 'string' ? 'batches' : 'json';
}

/** A JSON answer's body, or INVALID_RESPONSE naming the call. */
function parseJson<T>(text: string, status: number, call: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new SluiceApiError(status, 'INVALID_RESPONSE', `${call} answered ${status} with a body that is not JSON: ${snippet(text)}`, false);
  }
}

const FOLLOW_IDLE_TIMEOUT_MS = 45_000;
/** The longest long-poll the API takes (LIMITS.fetchWaitMsMax). */
const LONG_POLL_WAIT_MS = 20_000;


/** A live read's `failure` event (the error body) as the error an answer with that body would be. */
function liveFailure(data: string, path: string): SluiceApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    parsed = undefined;
  }
  const error = isRecord(parsed) ? parsed.error : undefined;
  if (!isRecord(error) || typeof error.code !== 'string' || typeof error.message !== 'string') {
    return new SluiceApiError(500, 'INVALID_RESPONSE', `GET ${path} (live) sent a failure event that is not an error body: ${snippet(data)}`, false);
  }
  const { code, message, retriable, ...details } = error;
  const status = isErrorCode(code) ? ERROR_CODES[code].status : 500;
  return new SluiceApiError(status, code, message, retriable === true, details);
}

function topicPath(topic: string): string {
  return `/v1/topics/${encodeURIComponent(topic)}`;
}

function groupPath(group: string): string {
  return `/v1/groups/${encodeURIComponent(group)}`;
}

function memberPath(group: string, memberId: string): string {
  return `${groupPath(group)}/members/${encodeURIComponent(memberId)}`;
}

function partitionPath(topic: string, partition: number): string {
  if (!Number.isInteger(partition) || partition < 0) {
    throw new RangeError(`partition must be a non-negative integer, not ${partition}`);
  }
  return `${topicPath(topic)}/partitions/${partition}`;
}

/** gzip with the web-standard CompressionStream (Node 18+, browsers, Deno, Bun, workers): no Node zlib. */
async function gzip(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Builds the error for a non-2xx response, from the contract's error body when there is one. */
function apiError(response: Response, text: string): SluiceApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const error = isRecord(parsed) ? parsed.error : undefined;
  if (isRecord(error) && typeof error.code === 'string' && typeof error.message === 'string') {
    const { code, message, retriable, ...details } = error;
    return new SluiceApiError(response.status, code, message, retriable === true, details);
  }
  // Not a Sluice error body: a gateway or proxy answered (API Gateway sends {"message": "..."}).
  const message = isRecord(parsed) && typeof parsed.message === 'string' ? parsed.message : snippet(text);
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const retryAfterSeconds = retryAfterHeader(response.headers.get('retry-after'));
  return new SluiceApiError(
    response.status,
    'HTTP_ERROR',
    message ? `${status}: ${message}` : status,
    response.status === 429 || response.status >= 500,
    retryAfterSeconds === undefined ? {} : { retryAfterSeconds },
  );
}

/** A Retry-After header (seconds, or an HTTP date) as whole seconds from now, so retries honour a gateway's as they do Sluice's. */
function retryAfterHeader(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** fetch reports network failures as `TypeError: fetch failed` with the real reason in `cause`. */
function describeCause(err: unknown): string {
  let reason = String(err);
  for (let current: unknown = err; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (current.message) reason = current.message;
    else if (typeof code === 'string') reason = code; // AggregateError (every address refused) has no message
  }
  return reason;
}

function snippet(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
