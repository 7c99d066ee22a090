import { useState } from 'preact/hooks';
import type { TopicOffsets } from '../../client/index';
import { ErrorView } from '../components/error-view';
import { formatBytes, formatCount } from '../components/format';
import { Paged } from '../components/pager';
import { TopicCreateForm } from '../components/topic-create-form';
import { useLoad } from '../components/use-load';
import type { Api } from '../model/api';
import { routeHash } from '../model/route';

/** Records a topic holds now: the sum over its partitions of high watermark minus log start. */
function heldRecords(offsets: TopicOffsets | undefined): number | undefined {
  return offsets?.partitions.reduce((sum, p) => sum + (p.highWatermark - p.logStartOffset), 0);
}

/** Bytes a topic holds; undefined when some partition does not say (a server or head from before it counted them). */
function storedBytes(offsets: TopicOffsets | undefined): number | undefined {
  if (!offsets || offsets.partitions.some((p) => p.storedBytes === undefined)) return undefined;
  return offsets.partitions.reduce((sum, p) => sum + (p.storedBytes ?? 0), 0);
}

function TopicRow({ api, name, partitions }: { api: Api; name: string; partitions: number }) {
  const offsets = useLoad((signal) => api.client.listTopicOffsets(name, { signal }), [api, name]);
  const held = heldRecords(offsets.data);
  const end = offsets.data?.partitions.reduce((sum, p) => sum + p.highWatermark, 0);
  const bytes = storedBytes(offsets.data);
  return (
    <tr data-topic={name}>
      <td>
        <a href={routeHash({ screen: 'topic', topic: name })}>{name}</a>
      </td>
      <td class="num">{partitions}</td>
      <td class="num" data-field="held">{offsets.error ? offsets.error.code : held === undefined ? '…' : formatCount(held)}</td>
      <td class="num" data-field="high-watermarks">{end === undefined ? '…' : formatCount(end)}</td>
      <td class="num" data-field="stored-bytes" data-bytes={bytes} title={offsets.data && bytes === undefined ? 'The server does not count stored bytes for some partition' : undefined}>
        {offsets.data === undefined ? '…' : bytes === undefined ? '—' : formatBytes(bytes)}
      </td>
      <td>
        <a href={routeHash({ screen: 'messages', topic: name })}>Browse</a>
      </td>
    </tr>
  );
}

/** Every topic, with its partitions and the records it holds, and the form that creates one. */
export function TopicsScreen({ api }: { api: Api }) {
  const topics = useLoad((signal) => api.client.listTopics({ signal }), [api]);
  const [created, setCreated] = useState<string | undefined>();
  return (
    <section>
      <h1>Topics</h1>
      <h2>Create a topic</h2>
      <TopicCreateForm
        api={api}
        onCreated={(name) => {
          setCreated(name);
          topics.reload();
        }}
      />
      {created && (
        <p class="notice" role="status" data-created={created}>
          Created topic <a href={routeHash({ screen: 'topic', topic: created })}>{created}</a>.
        </p>
      )}
      <h2>Topic list</h2>
      {topics.error && <ErrorView error={topics.error} onRetry={topics.reload} />}
      {topics.data && topics.data.length === 0 && <p>No topics yet.</p>}
      {topics.data && topics.data.length > 0 && (
        <Paged items={topics.data} label="topics">
          {(page) => (
            <table>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col" class="num">Partitions</th>
                  <th scope="col" class="num">Records held</th>
                  <th scope="col" class="num">Sum of high watermarks</th>
                  <th scope="col" class="num">Stored bytes</th>
                  <th scope="col">Messages</th>
                </tr>
              </thead>
              <tbody>
                {page.map((t) => (
                  <TopicRow key={t.name} api={api} name={t.name} partitions={t.partitions} />
                ))}
              </tbody>
            </table>
          )}
        </Paged>
      )}
      {topics.loading && !topics.data && <p aria-busy="true">Loading topics…</p>}
    </section>
  );
}
