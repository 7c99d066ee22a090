import { readGroupState } from '../../../groups/membership';
import { KAFKA_ERRORS } from '../../error-codes';
import { encodeAssignment } from '../../messages/consumer-protocol';
import { GROUP_AUTHORIZED_OPERATIONS_OMITTED, type DescribedGroup, type DescribeGroupsRequest, type DescribeGroupsResponse } from '../../messages/describe-groups';
import { requireCaller, type RequestContext } from '../session';
import { checkGroup, chooseProtocol, CONSUMER_PROTOCOL_TYPE, groupErrorCode, protocolFor } from './group-protocol';

/**
 * DescribeGroups from lib/groups: the state in Kafka's names (Stable when the generation
 * covers exactly the live members, PreparingRebalance while it does not, Empty without
 * members; Dead for a group Sluice does not know, as Kafka answers), protocol type
 * "consumer", the protocol chosen for the group, and every live member: HTTP members too
 * (client id as they gave it, no host, empty metadata), each with its assignment in the
 * current generation as ConsumerProtocol bytes. DESCRIBE on each group, as the HTTP
 * describe route (GROUP_AUTHORIZATION_FAILED for that group). Authorized operations are
 * not computed (Kafka's INT32_MIN).
 */
export async function handleDescribeGroups(request: DescribeGroupsRequest, { session }: RequestContext): Promise<DescribeGroupsResponse> {
  const caller = requireCaller(session);
  const { ctx } = session;
  const describe = async (groupId: string): Promise<DescribedGroup> => {
    const empty = (errorCode: number, groupState = ''): DescribedGroup => ({
      errorCode,
      groupId,
      groupState,
      protocolType: '',
      protocolData: '',
      members: [],
      authorizedOperations: GROUP_AUTHORIZED_OPERATIONS_OMITTED,
    });
    const groupCheck = await checkGroup(ctx, caller, groupId, 'DESCRIBE');
    if (groupCheck !== KAFKA_ERRORS.NONE) return empty(groupCheck);
    try {
      const { meta, live, settled } = await readGroupState(ctx, groupId);
      if (!meta) return empty(KAFKA_ERRORS.NONE, 'Dead');
      const protocol = chooseProtocol(live);
      return {
        errorCode: KAFKA_ERRORS.NONE,
        groupId,
        groupState: live.length === 0 ? 'Empty' : settled ? 'Stable' : 'PreparingRebalance',
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolData: protocol ?? '',
        members: live.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: null,
          clientId: m.clientId ?? '',
          clientHost: m.clientHost ?? '',
          memberMetadata: protocolFor(m, protocol)?.metadata ?? Buffer.alloc(0),
          memberAssignment: meta.members.includes(m.memberId) ? encodeAssignment(meta.assignment[m.memberId] ?? []) : Buffer.alloc(0),
        })),
        authorizedOperations: GROUP_AUTHORIZED_OPERATIONS_OMITTED,
      };
    } catch (error) {
      const errorCode = groupErrorCode(error);
      session.log(`kafka describe group '${groupId}' failed: ${(error as Error)?.stack ?? String(error)}`);
      return empty(errorCode);
    }
  };
  return { throttleTimeMs: 0, groups: await Promise.all(request.groups.map(describe)) };
}
