import { createHash } from 'node:crypto';
import type { Caller } from '../../auth/access-control';
import type { AuthConfig } from '../../auth/auth-config';
import { ANONYMOUS } from '../../auth/principal';
import type { SluiceContext } from '../../core/context';
import type { RequestHeader } from '../wire/headers';
import type { ProduceBatcher } from './produce-batcher';

/** How this gateway presents itself: the only broker, node 0, at its advertised address. */
export interface BrokerIdentity {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/** The node id every gateway answers as (each is the whole cluster to its clients). */
export const GATEWAY_NODE_ID = 0;

/**
 * Where a connection is in SASL (handlers/sasl.ts): nothing yet, a mechanism chosen by
 * SaslHandshake and awaiting its message (in a SaslAuthenticate, or after a v0
 * handshake `raw`, as a bare size-prefixed frame), or done (one authentication per
 * connection: no re-authentication).
 */
export type SaslState = { step: 'start' } | { step: 'mechanism'; mechanism: string; raw: boolean } | { step: 'done' };

/**
 * What a handler knows about its connection. The caller is per connection: anonymous
 * when the platform's auth mode is `none`, and unauthenticated (`null`) otherwise until
 * SASL (SaslHandshake, then SaslAuthenticate) sets it.
 */
export interface Session {
  readonly ctx: SluiceContext;
  /** The platform's authentication settings (which SASL mechanisms are enabled, the tokens). */
  readonly auth: AuthConfig;
  sasl: SaslState;
  /** The gateway's produce batcher, shared by every connection (cross-connection batching). */
  readonly batcher: ProduceBatcher;
  readonly broker: BrokerIdentity;
  caller: Caller | null;
  readonly remoteAddress: string;
  readonly log: (line: string) => void;
}

export interface RequestContext {
  readonly session: Session;
  readonly header: RequestHeader;
}

/** A handler's answer when the protocol has it answer nothing (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no response');

/** A handler's way of saying the connection must be closed (Kafka's answer to a request it will not serve). */
export class CloseConnection extends Error {
  override readonly name = 'CloseConnection';
}

/**
 * A handler's way of answering and then closing the connection: a failed SASL
 * authentication is answered with its error and message, then closed, as brokers do.
 */
export class AnswerThenClose<Response> extends Error {
  override readonly name = 'AnswerThenClose';
  constructor(
    readonly response: Response,
    reason: string,
  ) {
    super(reason);
  }
}

/** The caller a connection starts with: anonymous when authentication is off, else none yet. */
export function initialCaller(auth: AuthConfig): Caller | null {
  return auth.mode === 'none' ? { principal: ANONYMOUS, config: auth } : null;
}

/** The connection's caller; a connection that has not authenticated is closed (Kafka closes a SASL listener's unauthenticated connections). */
export function requireCaller(session: Session): Caller {
  if (!session.caller) throw new CloseConnection('the connection has not authenticated: SaslHandshake (PLAIN) and SaslAuthenticate come first');
  return session.caller;
}

/**
 * The cluster id every gateway over the same bucket answers: Kafka's form (22 characters
 * of URL-safe base64 of 16 bytes), from a hash of the bucket name, so it is stable
 * across gateways and restarts without being stored.
 */
export function clusterIdFor(bucket: string): string {
  return createHash('sha256').update(`sluice-cluster:${bucket}`, 'utf8').digest().subarray(0, 16).toString('base64url');
}
