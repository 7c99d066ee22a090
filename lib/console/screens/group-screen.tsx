import { useEffect, useState } from 'preact/hooks';
import { ConfirmDialog } from '../components/confirm-dialog';
import { ErrorView } from '../components/error-view';
import { formatCount } from '../components/format';
import { LagChart } from '../components/lag-chart';
import { useLoad } from '../components/use-load';
import type { Api } from '../model/api';
import { shownError, type ShownError } from '../model/errors';
import { appendSample, lagSample, type LagSample } from '../model/lag-history';
import { routeHash } from '../model/route';
import { GroupMembers } from './group-members';
import { GroupPartitions } from './group-partitions';
import { GroupResetOffsets } from './group-reset-offsets';

/** How often the group is read again while the screen is open; each read is one lag sample. */
export const SAMPLE_MS = 3_000;

function DeleteGroup({ api, group }: { api: Api; group: string }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<ShownError>();
  const remove = async () => {
    setConfirming(false);
    setError(undefined);
    try {
      await api.client.deleteGroup(group);
      location.hash = routeHash({ screen: 'groups' });
    } catch (e) {
      setError(shownError(e));
    }
  };
  return (
    <>
      <button type="button" class="danger" onClick={() => setConfirming(true)}>
        Delete group
      </button>
      {error && <ErrorView error={error} />}
      {confirming && (
        <ConfirmDialog
          title={`Delete group ${group}?`}
          body="The group and all its committed offsets are deleted. Refused while it has live members or a push subscription."
          action="Delete group"
          typeToConfirm={group}
          onConfirm={remove}
          onCancel={() => setConfirming(false)}
        />
      )}
    </>
  );
}

/** One consumer group: its state and members, positions and lag, lag over time, and its administration. */
export function GroupScreen({ api, group }: { api: Api; group: string }) {
  const described = useLoad((signal) => api.client.describeGroup(group, { signal }), [api, group], SAMPLE_MS);
  const topicList = useLoad((signal) => api.client.listTopics({ signal }), [api]);
  // The API keeps no lag history: lag is computed on each read. So the chart shows what this
  // page has read, one sample per refresh since it opened, and starts empty on every visit.
  const [history, setHistory] = useState<LagSample[]>([]);
  useEffect(() => {
    if (described.data) setHistory((h) => appendSample(h, lagSample(Date.now(), described.data!.partitions)));
  }, [described.data]);
  const g = described.data;
  const groupTopics = g ? [...new Set([...g.partitions.map((p) => p.topic), ...g.memberDetails.flatMap((m) => m.topics)])].sort() : [];
  const resetTopics = [...groupTopics, ...(topicList.data ?? []).map((t) => t.name).filter((t) => !groupTopics.includes(t))];
  return (
    <section>
      <p class="muted">
        <a href={routeHash({ screen: 'groups' })}>Consumer groups</a> /
      </p>
      <h1>
        Group <span class="mono">{group}</span>
      </h1>
      {described.error && <ErrorView error={described.error} onRetry={described.reload} />}
      {described.loading && !g && !described.error && <p aria-busy="true">Loading the group…</p>}
      {g && (
        <>
          <div class="cards" data-group={g.group}>
            <div class="card">
              <div class="value" data-field="state">{g.state}</div>
              <div class="label">State</div>
            </div>
            <div class="card">
              <div class="value" data-field="generation">{g.generation}</div>
              <div class="label">Generation</div>
            </div>
            <div class="card">
              <div class="value" data-field="members">{g.members}</div>
              <div class="label">Live members</div>
            </div>
            <div class="card">
              <div class="value" data-field="total-lag">{formatCount(g.totalLag)}</div>
              <div class="label">Total lag</div>
            </div>
            <div class="card">
              <div class="value">{g.assignor}</div>
              <div class="label">Assignor</div>
            </div>
            <div class="card">
              <div class="value">{g.resetPolicy}</div>
              <div class="label">Reset policy</div>
            </div>
          </div>

          <h2>Members</h2>
          <GroupMembers members={g.memberDetails} />

          <h2>Lag over time</h2>
          <p class="muted">Sampled every {SAMPLE_MS / 1000} s since this page opened (the API keeps no lag history).</p>
          <LagChart history={history} title={`Lag of ${group}`} />

          <h2>Offsets and lag</h2>
          <GroupPartitions api={api} group={group} partitions={g.partitions} onChanged={described.reload} />

          <h2>Reset offsets</h2>
          <p class="muted">Only a group without live members can be reset. Run a dry run to see the plan, then apply it.</p>
          <GroupResetOffsets api={api} group={group} topics={resetTopics} onApplied={described.reload} />

          <h2>Delete</h2>
          <DeleteGroup api={api} group={group} />
        </>
      )}
    </section>
  );
}
