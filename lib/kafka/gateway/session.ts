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
 * What a handler knows about its connection. The caller is per connection: today every
 * connection is anonymous when the platform's auth mode is `none`, and unauthenticated
 * (`null`) otherwise, until SASL (SaslHandshake/SaslAuthenticate) sets it.
 */
export interface Session {
  readonly ctx: SluiceContext;
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

/** The caller a connection starts with: anonymous when authentication is off, else none yet. */
export function initialCaller(auth: AuthConfig): Caller | null {
  return auth.mode === 'none' ? { principal: ANONYMOUS, config: auth } : null;
}

/** The connection's caller; a connection that has not authenticated is closed (Kafka closes a SASL listener's unauthenticated connections). */
export function requireCaller(session: Session): Caller {
  if (!session.caller) throw new CloseConnection('the connection has not authenticated (SASL is not supported yet: use SLUICE_AUTH_MODE=none)');
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
