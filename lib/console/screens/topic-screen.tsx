import { useState } from 'preact/hooks';
import { ConfirmDialog } from '../components/confirm-dialog';
import { ErrorView } from '../components/error-view';
import { formatBytes, formatCount } from '../components/format';
import { TopicConfigEditor } from '../components/topic-config-editor';
import { TopicAddPartitionsForm, TopicPartitionsTable } from '../components/topic-partitions';
import { useTopicSampling } from '../components/topic-sampling';
import { useLoad } from '../components/use-load';
import type { Api } from '../model/api';
import { shownError, type ShownError } from '../model/errors';
import { formatRate, type Rate } from '../model/rate-window';
import { routeHash } from '../model/route';

function RateCard({ label, rate, field, note }: { label: string; rate: Rate | undefined; field: string; note?: string }) {
  const shown = formatRate(rate);
  return (
    <div class="card" data-field={field} data-full-window={rate ? String(rate.fullWindow) : undefined}>
      <div class="value">{shown.value}</div>
      <div class="label">
        {label}, {shown.span}
        {note && <> · {note}</>}
      </div>
    </div>
  );
}

/** One topic: its partitions' offsets and bytes, its rates in and out, its config, and the changes an admin makes. */
export function TopicScreen({ api, topic }: { api: Api; topic: string }) {
  const described = useLoad((signal) => api.client.describeTopic(topic, { signal }), [api, topic]);
  const sampling = useTopicSampling(api, topic);
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<ShownError | undefined>();
  const offsets = sampling.offsets;
  const held = offsets?.partitions.reduce((sum, p) => sum + p.highWatermark - p.logStartOffset, 0);
  const bytes = offsets && offsets.partitions.every((p) => p.storedBytes !== undefined) ? offsets.partitions.reduce((sum, p) => sum + (p.storedBytes ?? 0), 0) : undefined;
  const changed = () => {
    described.reload();
    sampling.sampleNow();
  };

  return (
    <section>
      <h1>
        Topic <code>{topic}</code>
      </h1>
      <p>
        <a href={routeHash({ screen: 'topics' })}>All topics</a> · <a href={routeHash({ screen: 'messages', topic })}>Browse messages</a>
      </p>
      {described.error && <ErrorView error={described.error} onRetry={described.reload} />}
      {described.loading && !described.data && !described.error && <p aria-busy="true">Loading topic…</p>}
      {described.data && (
        <>
          <div class="cards">
            <div class="card" data-field="partitions">
              <div class="value">{described.data.partitions}</div>
              <div class="label">Partitions</div>
            </div>
            <div class="card" data-field="held">
              <div class="value">{held === undefined ? '…' : formatCount(held)}</div>
              <div class="label">Records held</div>
            </div>
            <div class="card" data-field="stored-bytes">
              <div class="value">{offsets === undefined ? '…' : bytes === undefined ? '—' : formatBytes(bytes)}</div>
              <div class="label">Stored bytes</div>
            </div>
            <RateCard label="Records/s in" rate={sampling.rateIn} field="rate-in" />
            <RateCard label="Records/s out" rate={sampling.rateOut} field="rate-out" note={`${sampling.consumingGroups} group${sampling.consumingGroups === 1 ? '' : 's'} committing`} />
          </div>
          <p class="muted">
            Rates are measured by this page, from the high watermarks (in) and the consumer groups' committed offsets (out) read every few seconds while it is open.
          </p>
          {sampling.offsetsError && <ErrorView error={sampling.offsetsError} />}
          {sampling.outError && <ErrorView error={sampling.outError} />}

          <h2>Partitions</h2>
          {offsets ? <TopicPartitionsTable offsets={offsets} /> : !sampling.offsetsError && <p aria-busy="true">Loading offsets…</p>}
          <TopicAddPartitionsForm api={api} topic={topic} partitions={described.data.partitions} onChanged={changed} />

          <h2>Config</h2>
          <TopicConfigEditor api={api} topic={topic} config={described.data.config} onChanged={changed} />

          <h2>Delete</h2>
          <p>Deleting a topic removes it and every record it holds; a topic created later under the same name starts empty.</p>
          <button type="button" class="danger" onClick={() => setConfirming(true)}>
            Delete topic
          </button>
          {deleteError && <ErrorView error={deleteError} />}
          {confirming && (
            <ConfirmDialog
              title={`Delete topic ${topic}?`}
              body="The topic and every record it holds are gone for good."
              action="Delete topic"
              typeToConfirm={topic}
              onCancel={() => setConfirming(false)}
              onConfirm={async () => {
                setConfirming(false);
                setDeleteError(undefined);
                try {
                  await api.client.deleteTopic(topic);
                  location.hash = routeHash({ screen: 'topics' });
                } catch (err) {
                  setDeleteError(shownError(err));
                }
              }}
            />
          )}
        </>
      )}
    </section>
  );
}
