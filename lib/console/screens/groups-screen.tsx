import type { GroupSummary } from '../../protocol/responses';
import { ErrorView } from '../components/error-view';
import { formatCount } from '../components/format';
import { Paged } from '../components/pager';
import { useLoad } from '../components/use-load';
import type { Api } from '../model/api';
import { routeHash } from '../model/route';

/** How often the list is read again while open. */
const REFRESH_MS = 10_000;

function GroupRow({ api, summary, listed }: { api: Api; summary: GroupSummary; listed: unknown }) {
  // The list answers no lag; the group's offsets do. Read again whenever the list is.
  const offsets = useLoad((signal) => api.client.groupOffsets(summary.group, {}, { signal }), [api, summary.group, listed]);
  return (
    <tr data-group={summary.group}>
      <td>
        <a href={routeHash({ screen: 'group', group: summary.group })}>{summary.group}</a>
      </td>
      <td data-field="state">{summary.state}</td>
      <td class="num" data-field="generation">{summary.generation}</td>
      <td class="num" data-field="members">{summary.members}</td>
      <td>{summary.assignor}</td>
      <td class="num" data-field="lag">
        {offsets.error && !offsets.data ? <span title={offsets.error.message}>{offsets.error.code}</span> : offsets.data ? formatCount(offsets.data.totalLag) : '…'}
      </td>
    </tr>
  );
}

/** Every consumer group with its state, generation, live members and total lag. */
export function GroupsScreen({ api }: { api: Api }) {
  const groups = useLoad((signal) => api.client.listGroups({ signal }), [api], REFRESH_MS);
  return (
    <section>
      <h1>Consumer groups</h1>
      {groups.error && <ErrorView error={groups.error} onRetry={groups.reload} />}
      {groups.data && groups.data.length === 0 && <p>No consumer groups yet.</p>}
      {groups.data && groups.data.length > 0 && (
        <Paged items={groups.data} label="groups">
          {(page) => (
            <table>
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">State</th>
                  <th scope="col" class="num">Generation</th>
                  <th scope="col" class="num">Members</th>
                  <th scope="col">Assignor</th>
                  <th scope="col" class="num">Total lag</th>
                </tr>
              </thead>
              <tbody>
                {page.map((g) => (
                  <GroupRow key={g.group} api={api} summary={g} listed={groups.data} />
                ))}
              </tbody>
            </table>
          )}
        </Paged>
      )}
      {groups.loading && !groups.data && <p aria-busy="true">Loading groups…</p>}
    </section>
  );
}
