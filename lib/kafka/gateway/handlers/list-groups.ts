import { visibleTo } from '../../../auth/access-control';
import { listGroups } from '../../../groups/describe-group';
import { KAFKA_ERRORS } from '../../error-codes';
import type { ListGroupsRequest, ListGroupsResponse } from '../../messages/list-groups';
import { requireCaller, type RequestContext } from '../session';
import { CONSUMER_PROTOCOL_TYPE, kafkaGroupState } from './group-protocol';

/** Kafka's group type of every Sluice group: the classic protocol (JoinGroup/SyncGroup), not KIP-848's. */
const GROUP_TYPE = 'classic';

/**
 * ListGroups: every Sluice group the caller may DESCRIBE (as the HTTP list route), HTTP and
 * Kafka groups alike, each a "consumer" group in Kafka's state names (Stable,
 * PreparingRebalance, Empty), filtered by StatesFilter (v4+) and TypesFilter (v5+),
 * both case-insensitive as Kafka compares them.
 */
export async function handleListGroups(request: ListGroupsRequest, { session }: RequestContext): Promise<ListGroupsResponse> {
  const caller = requireCaller(session);
  const { ctx } = session;
  const states = new Set(request.statesFilter.map((s) => s.toLowerCase()));
  const types = new Set(request.typesFilter.map((s) => s.toLowerCase()));
  const groups = (await visibleTo(ctx, caller, 'GROUP', await listGroups(ctx), (g) => g.group))
    .map((g) => ({ groupId: g.group, protocolType: CONSUMER_PROTOCOL_TYPE, groupState: kafkaGroupState(g.state), groupType: GROUP_TYPE }))
    .filter((g) => (states.size === 0 || states.has(g.groupState.toLowerCase())) && (types.size === 0 || types.has(g.groupType)));
  return { throttleTimeMs: 0, errorCode: KAFKA_ERRORS.NONE, groups };
}
