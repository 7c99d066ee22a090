import { useState } from 'preact/hooks';
import type { PartitionPosition } from '../../protocol/responses';
import { ConfirmDialog } from '../components/confirm-dialog';
import { ErrorView } from '../components/error-view';
import { formatCount } from '../components/format';
import { Paged } from '../components/pager';
import type { Api } from '../model/api';
import { shownError, type ShownError } from '../model/errors';
import { routeHash } from '../model/route';

/** The group's partitions by topic, in the order the API answers them. */
function byTopic(partitions: PartitionPosition[]): [string, PartitionPosition[]][] {
  const topics = new Map<string, PartitionPosition[]>();
  for (const p of partitions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p]);
  return [...topics];
}

function TopicPositions({ api, group, topic, partitions, onDeleted }: { api: Api; group: string; topic: string; partitions: PartitionPosition[]; onDeleted: (notice: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<ShownError>();
  const lag = partitions.reduce((sum, p) => sum + p.lag, 0);
  const remove = async () => {
    setConfirming(false);
    setError(undefined);
    try {
      const answer = await api.client.deleteGroupOffsets(group, topic);
      onDeleted(answer.partitions.length ? `Deleted the committed offsets of ${topic}'s partitions ${answer.partitions.join(', ')}.` : `The group had no committed offsets on ${topic}.`);
    } catch (e) {
      setError(shownError(e));
    }
  };
  return (
    <section class="topic-positions" data-topic={topic}>
      <div class="toolbar">
        <h3>
          <a href={routeHash({ screen: 'topic', topic })}>{topic}</a> <span class="muted">lag {formatCount(lag)}</span>
        </h3>
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Delete offsets of {topic}
        </button>
      </div>
      {error && <ErrorView error={error} />}
      <Paged items={partitions} label={`${topic} partitions`}>
        {(page) => (
          <table>
            <thead>
              <tr>
                <th scope="col" class="num">Partition</th>
                <th scope="col" class="num">Committed offset</th>
                <th scope="col" class="num">Log start</th>
                <th scope="col" class="num">High watermark</th>
                <th scope="col" class="num">Lag</th>
              </tr>
            </thead>
            <tbody>
              {page.map((p) => (
                <tr key={p.partition} data-partition={p.partition}>
                  <td class="num">{p.partition}</td>
                  <td class="num" data-field="committed">
                    {p.committedOffset === null ? <span class="muted" title={`none: reads from ${formatCount(p.position)}`}>none</span> : formatCount(p.committedOffset)}
                  </td>
                  <td class="num" data-field="log-start">{formatCount(p.logStartOffset)}</td>
                  <td class="num" data-field="high-watermark">{formatCount(p.highWatermark)}</td>
                  <td class="num" data-field="lag">{formatCount(p.lag)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Paged>
      {confirming && (
        <ConfirmDialog
          title={`Delete ${group}'s offsets of ${topic}?`}
          body={`The group's committed offsets on every partition of ${topic} are deleted; it then reads ${topic} from where its reset policy says. Refused while the group has live members.`}
          action="Delete offsets"
          typeToConfirm={topic}
          onConfirm={remove}
          onCancel={() => setConfirming(false)}
        />
      )}
    </section>
  );
}

/** Committed offset, high watermark and lag per partition, a table per topic. */
export function GroupPartitions({ api, group, partitions, onChanged }: { api: Api; group: string; partitions: PartitionPosition[]; onChanged: () => void }) {
  // Shown here rather than in the topic's section, which leaves the page when its last offset goes.
  const [notice, setNotice] = useState<string>();
  return (
    <>
      {notice && (
        <p class="notice" role="status" data-offsets="deleted">
          {notice}
        </p>
      )}
      {partitions.length === 0 && <p>The group has no committed offsets and no assigned topics.</p>}
      {byTopic(partitions).map(([topic, rows]) => (
        <TopicPositions
          key={topic}
          api={api}
          group={group}
          topic={topic}
          partitions={rows}
          onDeleted={(text) => {
            setNotice(text);
            onChanged();
          }}
        />
      ))}
    </>
  );
}
