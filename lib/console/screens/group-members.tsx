import type { GroupMemberDescription } from '../../protocol/responses';
import { formatTime } from '../components/format';
import { Paged } from '../components/pager';
import { routeHash } from '../model/route';

/** "orders: 0, 2; payments: 1", or a dash before the member is in a generation. */
export function assignmentText(member: GroupMemberDescription): string {
  return member.assignment.map((a) => `${a.topic}: ${a.partitions.join(', ')}`).join('; ') || '—';
}

/** The group's live members, what they subscribe to and the partitions they own. */
export function GroupMembers({ members }: { members: GroupMemberDescription[] }) {
  if (members.length === 0)
    return (
      <p data-members="none">
        No live members. Its offsets can be reset and the group deleted, unless it delivers by push subscription (see{' '}
        <a href={routeHash({ screen: 'subscriptions' })}>Push subscriptions</a>; delete that first).
      </p>
    );
  return (
    <Paged items={members} label="members">
      {(page) => (
        <table data-members={members.length}>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Client</th>
              <th scope="col">Topics</th>
              <th scope="col">Assigned partitions</th>
              <th scope="col">Lease ends (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {page.map((m) => (
              <tr key={m.memberId} data-member={m.memberId}>
                <td class="mono">{m.memberId}</td>
                <td>{[m.clientId, m.clientHost].filter(Boolean).join(' @ ') || '—'}</td>
                <td>{m.topics.join(', ')}</td>
                <td data-field="assignment">{assignmentText(m)}</td>
                <td>{formatTime(m.expiresAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Paged>
  );
}
