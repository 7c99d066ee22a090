import { ANONYMOUS } from '../auth/principal';
import type { SluiceContext } from '../core/context';
import { InternalError, SluiceError } from '../core/errors';
import { RETRY, withRetries, type RetryPolicy } from '../core/retry';
import { ProducerAccessDeniedError } from '../log/produce-errors';
import { MAX_PRODUCER_EPOCH, type ProducerNameRecord } from '../store/producer-item';
import { bumpProducerEpoch, putNewProducer, putProducerName, readProducerName } from '../store/producer-store';
import { drawProducerId } from './producer-id';

import type { ProducerIdentity } from '../protocol/responses';

// What POST /v1/producers answers: the wire contract's shape.
export type { ProducerIdentity };

export interface InitProducerOptions {
  /** Kafka's transactional.id: the same name again bumps the same id's epoch. */
  name?: string;
  /** The caller; the id (and the name) are bound to it. `anonymous` when authentication is off. */
  principal?: string;
  /** Where ids come from; tests choose them to force collisions. */
  drawProducerId?: () => number;
}

export class ProducerEpochExhaustedError extends SluiceError {
  constructor(name: string) {
    super('PRODUCER_EPOCH_EXHAUSTED', `Producer '${name}' has used every epoch up to ${MAX_PRODUCER_EPOCH}; use a new name`, { name });
  }
}

/** A collision is one in 2^52 or so per draw; this many in a row means something else is wrong. */
const DRAW_ATTEMPTS = 5;

/** Drawing a taken id again, at once: a collision is chance, not contention, so waiting buys nothing. */
const DRAWS: RetryPolicy = { attempts: DRAW_ATTEMPTS, baseDelayMs: 0 };

/**
 * Issues a producer id and epoch (Kafka's InitProducerId), bound to the caller's
 * principal. Without a name every call gets a new random id at epoch 0. With a name the
 * same id comes back with the epoch bumped, which fences every earlier instance that used
 * the name; only the principal that registered the name may do that.
 */
export async function initProducer(ctx: SluiceContext, options: InitProducerOptions = {}): Promise<ProducerIdentity> {
  const principal = options.principal ?? ANONYMOUS;
  const draw = options.drawProducerId ?? drawProducerId;
  if (options.name === undefined) return { producerId: await createProducer(ctx, principal, draw), epoch: 0 };
  const name = options.name;
  const existing = await readProducerName(ctx, name);
  if (existing) return bumpEpoch(ctx, name, existing, principal);
  // The producer item first, so the name can never point at an id another producer holds.
  const producerId = await createProducer(ctx, principal, draw, name);
  if ((await putProducerName(ctx, { name, producerId, principal })) === 'registered') return { producerId, epoch: 0 };
  // Another instance registered the name first: its id, if ours to use (the id we drew stays unused).
  return bumpEpoch(ctx, name, (await readProducerName(ctx, name))!, principal);
}

/** A new producer item at epoch 0 under a random id; a drawn id already taken is drawn again, never shared. */
function createProducer(ctx: SluiceContext, principal: string, draw: () => number, name?: string): Promise<number> {
  return withRetries(
    ctx,
    DRAWS,
    async () => {
      const producerId = draw();
      return (await putNewProducer(ctx, { producerId, principal, name })) === 'created' ? producerId : RETRY;
    },
    (attempts) => new InternalError(`Drew ${attempts} producer ids in a row that were already taken`),
  );
}

/** The next epoch of a named producer, for the name's owner only. */
async function bumpEpoch(ctx: SluiceContext, name: string, registered: ProducerNameRecord, principal: string): Promise<ProducerIdentity> {
  if (registered.principal !== principal) throw new ProducerAccessDeniedError(principal, { name });
  const { producerId } = registered;
  const bumped = await bumpProducerEpoch(ctx, { producerId, name, principal });
  if (bumped.kind === 'not-owned') throw new ProducerAccessDeniedError(principal, { name });
  if (bumped.kind === 'epoch-exhausted') throw new ProducerEpochExhaustedError(name);
  return { producerId, epoch: bumped.epoch };
}
