import * as z from 'zod/mini';
import { groupNameSchema, memberIdSchema, topicNameSchema } from './identifiers';

/**
 * The tail-wait ("watch") protocol: how a consumer at the tail waits for new records
 * without a Lambda running. The consumer holds one WebSocket connection (API Gateway
 * WebSocket API deployed; the local platform's emulation under `npm start`) and arms
 * one-shot watches on every partition it has read to the end. When a partition's high
 * watermark passes the armed offset the server sends one `ready` message and forgets
 * the watch; the consumer then fetches over HTTP as usual and arms again when it is
 * back at the tail. docs/design.md, "Waiting at the tail", argues the design.
 *
 * Messages are JSON text frames. Client → server messages carry `action` (API Gateway's
 * route selection expression is `$request.body.action`); keep each one at most 32 KB
 * (API Gateway's frame size; the local platform closes the connection with 1009 past it).
 *
 * Where to connect:
 * - deployed: the stack's `WatchUrl` output, `wss://{apiId}.execute-api.{region}.amazonaws.com/{stage}`,
 *   with a SigV4-signed connect request (IAM, service `execute-api`). With JWT auth no
 *   WebSocket API is deployed: wait with the HTTP long-poll (`waitMs`) instead.
 * - locally (`npm start`): `ws://127.0.0.1:8780/v1/watch` (the HTTP API's port), with
 *   `?token=<bearer token>` when the platform runs with tokens (an unknown token is
 *   refused with HTTP 401 at connect).
 *
 * The answer to a well-formed `watch` message: for each partition it names, either a
 * `ready` (already past the offset: nothing armed) or a `watch-error` (refused: access,
 * unknown topic, partition out of range; nothing armed), then one `armed` naming the
 * partitions now waiting (possibly none); `armed` closes the answer. A `check` message
 * (the periodic safety net, below) is answered the same way, closed by `checked`, and
 * arms nothing. A message refused as a whole (not JSON, unknown action, invalid fields,
 * unauthenticated) gets one `watch-error` without `topic`. A `ready` may come more than
 * once for one watch (the server notifies at least once); each costs the client only a
 * fetch.
 *
 * A consumer-group member that holds a watch connection may also **bind** its membership
 * to it (`bind`, below): while bound, the connection keeps the member's lease (no HTTP
 * heartbeats), and the group coordinator posts `rebalance` whenever it writes a new
 * generation; the member answers with one HTTP heartbeat, which returns its assignment.
 * When the connection closes, the member's session timeout starts; binding again on a new
 * connection within it keeps the membership. docs/design.md, "Consumer groups", argues it.
 */

/** At most this many partitions in one `watch` or `check` message (API Gateway frames are ≤ 32 KB). */
export const WATCH_PARTITIONS_MAX = 256;

/**
 * How long an armed watch lives on the server: longer than API Gateway's 2-hour maximum
 * connection (with a margin for the clocks of API Gateway and Lambda), so a watch never
 * needs writing again while its connection lives; a new connection arms anew (its
 * connection id is new), and the old connection's watches expire.
 */
export const WATCH_TTL_MS = 2 * 60 * 60 * 1000 + 15 * 60 * 1000;

/**
 * The client sends some message at least this often so an idle connection is not
 * closed (API Gateway's idle timeout is 10 minutes). Send `ping`: API Gateway answers it
 * itself (a MOCK route), with no function and no storage request. A `ready` is not lost
 * while the connection stays open (API Gateway accepted it); after a reconnect, arming
 * answers `ready` at once for any partition that moved.
 */
export const WATCH_KEEPALIVE_MS = 9 * 60 * 1000;

/**
 * Every this many keepalives (63 minutes), the client sends a `check` of every watch it
 * still waits on instead of a `ping`: the bound on a `ready` lost while the connection
 * stays up. A check reads the heads (eventually consistent, half a read unit each) and
 * writes nothing, so it costs a fraction of re-arming; docs/design.md, "Waiting at the
 * tail", has the arithmetic. As API Gateway closes a connection after 2 hours, and the
 * new one re-arms, a client checks about once per connection.
 */
export const WATCH_CHECK_EVERY_KEEPALIVES = 7;

export const watchedPartitionSchema = z.strictObject({
  topic: topicNameSchema,
  partition: z.number({ error: 'must be an integer' }).check(z.gte(0, { error: 'must be at least 0' }), z.int({ error: 'must be an integer' })),
  /** Notify once the partition's high watermark is greater than this offset (the consumer's next offset). */
  offset: z.number({ error: 'must be an integer' }).check(
    z.gte(0, { error: 'must be at least 0' }),
    z.lte(Number.MAX_SAFE_INTEGER, { error: `must be at most ${Number.MAX_SAFE_INTEGER}` }),
    z.int({ error: 'must be an integer' }),
  ),
});
export type WatchedPartition = z.infer<typeof watchedPartitionSchema>;

/** `{"action":"watch","partitions":[{topic, partition, offset}, …]}`: arm (or re-arm, replacing the offset) one-shot watches. */
export const watchRequestSchema = z.strictObject({
  action: z.literal('watch'),
  partitions: z.array(watchedPartitionSchema).check(
    z.minLength(1, { error: 'must name at least 1 partition' }),
    z.maxLength(WATCH_PARTITIONS_MAX, { error: `must name at most ${WATCH_PARTITIONS_MAX} partitions` }),
  ),
});
export type WatchRequest = z.infer<typeof watchRequestSchema>;

/**
 * `{"action":"check","partitions":[{topic, partition, offset}, …]}`: the periodic safety
 * net. Answers `ready` for every partition whose high watermark is already past the
 * offset (and `watch-error` for one refused, as `watch` does), then `checked`. Arms
 * nothing and writes nothing: the watches armed before stay as they are.
 */
export const checkRequestSchema = z.strictObject({
  action: z.literal('check'),
  partitions: z.array(watchedPartitionSchema).check(
    z.minLength(1, { error: 'must name at least 1 partition' }),
    z.maxLength(WATCH_PARTITIONS_MAX, { error: `must name at most ${WATCH_PARTITIONS_MAX} partitions` }),
  ),
});
export type CheckRequest = z.infer<typeof checkRequestSchema>;

/**
 * While a member is bound to a connection its lease runs this long from the bind (the
 * same margin over API Gateway's 2-hour maximum connection as a watch): a client binds
 * again on every new connection, so a live member's lease never lapses, and a member
 * whose connection closed without `$disconnect` running (API Gateway runs it best-effort)
 * is still removed at most this long after its last bind.
 */
export const WATCH_BOUND_LEASE_MS = WATCH_TTL_MS;

/**
 * `{"action":"bind","group":…,"memberId":…}`: keep the member's lease with this
 * connection. Authorized as a heartbeat (READ on the group); the member must exist and
 * not have lapsed. Answered `bound` (with the group's current generation: a member whose
 * generation differs heartbeats once), or a `watch-error` naming `group` and `memberId`
 * (UNKNOWN_MEMBER, ACCESS_DENIED, …); a bind that is not valid is refused as a whole.
 * Binding again (the same or another connection) moves the binding; the last one counts.
 */
export const bindRequestSchema = z.strictObject({
  action: z.literal('bind'),
  group: groupNameSchema,
  memberId: memberIdSchema,
});
export type BindRequest = z.infer<typeof bindRequestSchema>;

/** `{"action":"ping"}`: keeps an idle connection open; answered with `pong` by API Gateway itself (no function, no storage request). */
export const pingRequestSchema = z.strictObject({ action: z.literal('ping') });

/** Server → client: the watch was armed for these partitions (those refused come as `watch-error`, those already past their offset as `ready`); the last message of a watch's answer. */
export interface WatchArmedMessage {
  type: 'armed';
  partitions: { topic: string; partition: number; offset: number }[];
}

/** Server → client: the last message of a `check`'s answer; `waiting` partitions were not past their offset. */
export interface WatchCheckedMessage {
  type: 'checked';
  waiting: number;
}

/** Server → client: the partition's high watermark passed the armed offset; the watch is gone. */
export interface WatchReadyMessage {
  type: 'ready';
  topic: string;
  partition: number;
  highWatermark: number;
}

/** Server → client: the member is bound to this connection; `generation` is the group's as of the bind. */
export interface WatchBoundMessage {
  type: 'bound';
  group: string;
  memberId: string;
  generation: number;
}

/**
 * Server → client, unasked: the group coordinator wrote `generation`; a member bound to
 * this connection heartbeats (HTTP) to learn its assignment. At least once, like `ready`.
 */
export interface WatchRebalanceMessage {
  type: 'rebalance';
  group: string;
  generation: number;
}

/** Server → client: a message or one of its partitions was refused, with the error table's code. */
export interface WatchErrorMessage {
  type: 'watch-error';
  /** The member whose bind was refused (a bind refused for its form has neither: see `error.field`). */
  group?: string;
  memberId?: string;
  /** The partition refused, when the problem is one partition's (unknown topic, access denied, partition out of range). */
  topic?: string;
  partition?: number;
  error: { code: string; message: string; retriable: boolean; field?: string; limit?: number | string };
}

export interface PongMessage {
  type: 'pong';
}

export type WatchServerMessage = WatchArmedMessage | WatchCheckedMessage | WatchReadyMessage | WatchBoundMessage | WatchRebalanceMessage | WatchErrorMessage | PongMessage;
