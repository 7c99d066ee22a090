import { requireAccess } from '../../../auth/access-control';
import { AccessDeniedError } from '../../../auth/auth-errors';
import { initProducer } from '../../../producers/init-producer';
import { KAFKA_ERRORS } from '../../error-codes';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../messages/init-producer-id';
import { requireCaller, type RequestContext } from '../session';
import { kafkaErrorOf } from './errors';

/**
 * InitProducerId for idempotent producers, through lib/producers (the HTTP API's
 * POST /v1/producers): a new producer id at epoch 0, bound to the connection's
 * principal, after the same check (WRITE on the cluster, Kafka's IdempotentWrite;
 * CLUSTER_AUTHORIZATION_FAILED otherwise). A request carrying an existing id and epoch
 * (v3+, a producer recovering from an error) also gets a new id: Sluice bumps epochs only
 * for named producers, and a client takes whatever id it is given.
 *
 * Transactions are not supported: a TransactionalId is answered
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53), which clients treat as fatal and report,
 * rather than a code they would retry.
 */
export async function handleInitProducerId(request: InitProducerIdRequest, { session }: RequestContext): Promise<InitProducerIdResponse> {
  const caller = requireCaller(session);
  const refuse = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 });
  if (request.transactionalId !== null) return refuse(KAFKA_ERRORS.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  try {
    await requireAccess(session.ctx, caller, { resourceType: 'CLUSTER', resourceName: 'cluster', operation: 'WRITE' });
    const { producerId, epoch } = await initProducer(session.ctx, { principal: caller.principal });
    return { throttleTimeMs: 0, errorCode: KAFKA_ERRORS.NONE, producerId, producerEpoch: epoch };
  } catch (error) {
    if (error instanceof AccessDeniedError) return refuse(KAFKA_ERRORS.CLUSTER_AUTHORIZATION_FAILED);
    const { errorCode } = kafkaErrorOf(error);
    if (errorCode === KAFKA_ERRORS.UNKNOWN_SERVER_ERROR) session.log(`kafka init producer id failed: ${(error as Error)?.stack ?? String(error)}`);
    return refuse(errorCode);
  }
}
