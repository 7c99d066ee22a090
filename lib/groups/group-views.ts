/**
 * The shapes of what the group routes answer are the wire contract's
 * (lib/protocol/responses.ts); re-exported here for the server modules that build them.
 */
export type { MembershipView, PartitionPosition } from '../protocol/responses';
