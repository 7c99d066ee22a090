import { KAFKA_ERRORS } from '../../error-codes';
import { COORDINATOR_KEY_GROUP, type Coordinator, type FindCoordinatorRequest, type FindCoordinatorResponse } from '../../messages/find-coordinator';
import { requireCaller, type RequestContext } from '../session';
import { checkGroup } from './group-protocol';

/**
 * FindCoordinator: every gateway is the coordinator of every group (all group state is in
 * DynamoDB), so the answer is this gateway's own broker identity, never
 * COORDINATOR_NOT_AVAILABLE or NOT_COORDINATOR. v4+ asks for several keys, each answered
 * on its own. DESCRIBE on the group is required, as Kafka requires it
 * (GROUP_AUTHORIZATION_FAILED). Transaction coordinators (key type 1) do not exist:
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as InitProducerId answers a transactional id.
 */
export async function handleFindCoordinator(request: FindCoordinatorRequest, { session, header }: RequestContext): Promise<FindCoordinatorResponse> {
  const caller = requireCaller(session);
  const { ctx, broker } = session;
  const find = async (key: string): Promise<Coordinator> => {
    const errorCode = request.keyType === COORDINATOR_KEY_GROUP ? await checkGroup(ctx, caller, key, 'DESCRIBE') : KAFKA_ERRORS.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    return errorCode === KAFKA_ERRORS.NONE
      ? { key, nodeId: broker.nodeId, host: broker.host, port: broker.port, errorCode, errorMessage: null }
      : { key, nodeId: -1, host: '', port: -1, errorCode, errorMessage: errorCode === KAFKA_ERRORS.TRANSACTIONAL_ID_AUTHORIZATION_FAILED ? 'Sluice has no transactions' : null };
  };
  if (header.apiVersion >= 4) {
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 0, host: '', port: 0, coordinators: await Promise.all(request.coordinatorKeys.map(find)) };
  }
  const one = await find(request.key);
  return { throttleTimeMs: 0, errorCode: one.errorCode, errorMessage: one.errorMessage, nodeId: one.nodeId, host: one.host, port: one.port, coordinators: [] };
}
