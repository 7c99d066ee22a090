/**
 * Every error code the API answers with: its HTTP status, whether the same request may
 * succeed if sent again, and what it means. This is the one table: server errors take
 * their status and `retriable` from it, the client's error-code type is its keys, and the
 * error table in docs/http-api.md is checked against it.
 */
export interface ErrorCodeSpec {
  readonly status: number;
  readonly retriable: boolean;
  readonly meaning: string;
}

export const ERROR_CODES = {
  INVALID_REQUEST: { status: 400, retriable: false, meaning: 'a field is missing, of the wrong type, unknown or past a limit; `field` and, where one applies, `limit` name it' },
  UNKNOWN_PRODUCER: { status: 400, retriable: false, meaning: "the caller's own producer id with an epoch that was never issued" },
  UNAUTHENTICATED: { status: 401, retriable: false, meaning: 'no or unknown credentials (locally: bearer token), or a principal past the identifier rule' },
  ACCESS_DENIED: { status: 403, retriable: false, meaning: 'an ACL refuses the operation; the body names principal, operation and resource' },
  PRODUCER_EPOCH_STALE: { status: 403, retriable: false, meaning: 'a Durable Streams producer epoch below the stream\'s current one (zombie fencing); `Producer-Epoch` gives the current' },
  PRODUCER_ACCESS_DENIED: { status: 403, retriable: false, meaning: 'a producer id (`field: "producer.id"`) or name (`field: "name"`) not issued to the caller, or never issued' },
  FORBIDDEN_HOST: { status: 403, retriable: false, meaning: "`sluice console`'s proxy only: a request not addressed to the proxy's own loopback host and port (DNS rebinding)" },
  FORBIDDEN_ORIGIN: { status: 403, retriable: false, meaning: "`sluice console`'s proxy only: a request from a page of another origin, which must not act with the user's credentials" },
  ROUTE_NOT_FOUND: { status: 404, retriable: false, meaning: 'no route has this path' },
  TOPIC_NOT_FOUND: { status: 404, retriable: false, meaning: 'the topic does not exist' },
  PARTITION_NOT_FOUND: { status: 404, retriable: false, meaning: 'the topic has no such partition; the body gives its partition count' },
  GROUP_NOT_FOUND: { status: 404, retriable: false, meaning: 'the group does not exist' },
  UNKNOWN_MEMBER: { status: 404, retriable: false, meaning: 'the member left or its session expired; join again' },
  SUBSCRIPTION_NOT_FOUND: { status: 404, retriable: false, meaning: 'the group has no push subscription' },
  STREAM_NOT_FOUND: { status: 404, retriable: false, meaning: 'no Durable Streams stream at this path (never created, deleted or expired)' },
  ACL_NOT_FOUND: { status: 404, retriable: false, meaning: 'no ACL rule has this id' },
  METHOD_NOT_ALLOWED: { status: 405, retriable: false, meaning: 'the path exists, not with this method; `Allow` and the body\'s `allow` list the methods it has' },
  TOPIC_EXISTS: { status: 409, retriable: false, meaning: 'creating a topic whose name is taken' },
  FENCED: { status: 409, retriable: false, meaning: "the producer's epoch was superseded by a newer instance; this one must stop" },
  OUT_OF_ORDER_SEQUENCE: { status: 409, retriable: false, meaning: "an idempotent call's sequence is not the next one (`expected`, `received`)" },
  DUPLICATE_SEQUENCE: { status: 409, retriable: false, meaning: 'a retry of a batch committed so long ago that its offsets are no longer remembered' },
  PRODUCER_EPOCH_EXHAUSTED: { status: 409, retriable: false, meaning: 'a producer name has used every epoch up to 32767; use a new name' },
  OFFSET_MISMATCH: { status: 409, retriable: false, meaning: "a conditional append's `expectedOffset` is not the high watermark (which the body gives)" },
  ILLEGAL_GENERATION: { status: 409, retriable: false, meaning: 'an offset commit with a generation that is no longer current (a zombie member); nothing is written' },
  PARTITION_NOT_ASSIGNED: { status: 409, retriable: false, meaning: 'a member committing a partition assigned to another member' },
  GROUP_ACTIVE: { status: 409, retriable: false, meaning: 'a standalone commit, a subscription, an offset reset, or a deletion of the group or its offsets, on a group with live members' },
  GROUP_HAS_SUBSCRIPTION: { status: 409, retriable: false, meaning: 'a member joining, or an offset reset or deletion, on a group that delivers by push subscription (delete the subscription first)' },
  STREAM_EXISTS: {
    status: 409,
    retriable: false,
    meaning: 'a Durable Streams create (PUT) where a stream with another content type, TTL, expiry, closure or fork source exists, or a deleted one is kept for its forks',
  },
  STREAM_CLOSED: { status: 409, retriable: false, meaning: 'an append to a closed Durable Streams stream; `Stream-Closed` and `Stream-Next-Offset` give its final state' },
  CONTENT_TYPE_MISMATCH: { status: 409, retriable: false, meaning: "an append whose Content-Type is not the stream's, or a fork whose Content-Type is not its source's" },
  FORK_SOURCE_DELETED: { status: 409, retriable: false, meaning: 'a Durable Streams fork (`Stream-Forked-From`) of a stream deleted but kept for the forks it has' },
  STREAM_SEQ_REGRESSION: { status: 409, retriable: false, meaning: 'a `Stream-Seq` that does not sort after the last one appended' },
  PRODUCER_SEQUENCE_GAP: { status: 409, retriable: false, meaning: 'a Durable Streams producer sequence past the next expected; `Producer-Expected-Seq` and `Producer-Received-Seq` say which' },
  STREAM_GONE: { status: 410, retriable: false, meaning: 'a Durable Streams stream deleted while forks still read it (soft-deleted): every request on its path is refused' },
  PAYLOAD_TOO_LARGE: { status: 413, retriable: false, meaning: 'the request body is over the limit (decompressed, for a gzip body)' },
  UNSUPPORTED_CONTENT_ENCODING: { status: 415, retriable: false, meaning: 'a `content-encoding` other than `gzip` or `identity`' },
  OFFSET_OUT_OF_RANGE: { status: 416, retriable: false, meaning: 'a fetch offset outside `logStartOffset..highWatermark` (below it: released by retention); the body carries both' },
  UNDECODABLE_RECORD: { status: 422, retriable: false, meaning: "`encoding=utf8` asked for, but a record's bytes are not UTF-8" },
  QUOTA_EXCEEDED: { status: 429, retriable: true, meaning: "past the principal's produce or fetch byte rate; `Retry-After` says when to retry" },
  INTERNAL: { status: 500, retriable: true, meaning: 'a fault of Sluice itself, logged; no client input causes it' },
  CORRUPT_RECORD: { status: 500, retriable: false, meaning: 'a stored batch failed its checksum or is of an unknown version' },
  COMPRESSION_UNSUPPORTED: { status: 501, retriable: false, meaning: 'this runtime lacks a compression codec a batch needs' },
  STREAMING_NOT_SUPPORTED: {
    status: 501,
    retriable: false,
    meaning: 'a live fetch (`Accept: text/event-stream` or `live=sse`) where responses cannot stream: the deployed HTTP API; long-poll with `waitMs` there',
  },
  UPSTREAM_UNREACHABLE: { status: 502, retriable: true, meaning: "`sluice console`'s proxy only: the Sluice API it passes calls on to could not be reached" },
  SERVICE_BUSY: { status: 503, retriable: true, meaning: 'storage throttled, timed out or unreachable after retries; nothing may be assumed done' },
  COMMIT_OUTCOME_UNKNOWN: { status: 503, retriable: true, meaning: 'a commit whose outcome is unknown; retry idempotently to learn which' },
  COMMIT_CONTENDED: { status: 503, retriable: true, meaning: 'too many concurrent commits to the same partitions' },
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes only `sluice console`'s local proxy answers (infra/console/console-proxy.ts), never the API. */
export const CONSOLE_PROXY_ERROR_CODES: readonly ErrorCode[] = ['FORBIDDEN_HOST', 'FORBIDDEN_ORIGIN', 'UPSTREAM_UNREACHABLE'];

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}
