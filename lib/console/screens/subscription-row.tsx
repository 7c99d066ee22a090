import { useState } from 'preact/hooks';
import type { PushTarget, SubscriptionDescription } from '../../protocol/responses';
import { ConfirmDialog } from '../components/confirm-dialog';
import { ErrorView } from '../components/error-view';
import { formatCount, formatTime } from '../components/format';
import { useLoad } from '../components/use-load';
import type { Api } from '../model/api';
import { shownError, type ShownError } from '../model/errors';
import { routeHash } from '../model/route';
import { failureCount, heldRecords, subscriptionStatus } from '../model/subscription-status';

export function targetText(target: PushTarget): string {
  return target.type === 'https' ? target.url : target.functionArn;
}

/** The delivery controls in one line, named as the API names them. */
export function controlsText(s: SubscriptionDescription): string {
  return [
    `batch ${formatCount(s.batchSize)}`,
    `window ${formatCount(s.batchingWindowMs)} ms`,
    `${formatCount(s.retryAttempts)} ${s.retryAttempts === 1 ? 'retry' : 'retries'}`,
    s.maxRecordAgeSeconds < 0 ? 'no max age' : `max age ${formatCount(s.maxRecordAgeSeconds)} s`,
    s.bisectOnError ? 'bisect on error' : 'no bisect',
  ].join(' · ');
}

/** The earliest retry a backing-off partition waits for, if any. */
function nextRetry(s: SubscriptionDescription): number | undefined {
  const due = s.partitions.map((p) => p.nextAttemptAt).filter((at): at is number => at !== null);
  return due.length ? Math.min(...due) : undefined;
}

/** One push subscription: target, controls, health, dead letters and lag, and its deletion. */
export function SubscriptionRow({ api, subscription: s, onDeleted }: { api: Api; subscription: SubscriptionDescription; onDeleted: () => void }) {
  const dlq = useLoad((signal) => api.client.listTopicOffsets(s.deadLetterTopic, { signal }), [api, s]);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<ShownError>();
  const status = subscriptionStatus(s);
  const retry = nextRetry(s);
  const remove = async () => {
    setConfirming(false);
    setError(undefined);
    try {
      await api.client.deleteSubscription(s.group);
      onDeleted();
    } catch (e) {
      setError(shownError(e));
    }
  };
  return (
    <tr data-subscription={s.group}>
      <td>
        <a href={routeHash({ screen: 'group', group: s.group })}>{s.group}</a>
        <div class="muted">
          from <a href={routeHash({ screen: 'topic', topic: s.topic })}>{s.topic}</a>
        </div>
      </td>
      <td>
        <span class="muted">{s.target.type === 'https' ? 'URL' : 'Lambda'}</span>{' '}
        <span class="mono break" data-field="target">
          {targetText(s.target)}
        </span>
        <div class="muted small" data-field="controls">
          {controlsText(s)}
        </div>
      </td>
      <td>
        <span class={`status status-${status.kind}`} data-field="status" data-status={status.kind}>
          {status.label}
        </span>
        {retry !== undefined && <div class="muted small">next retry {formatTime(retry)}</div>}
      </td>
      <td data-field="last-error">
        {s.delivery.lastError === null ? (
          <span class="muted">none</span>
        ) : (
          <>
            <span class="break" data-field="last-error-message">
              {s.delivery.lastError}
            </span>
            <div class="muted small">
              <span data-field="last-error-at">{s.delivery.lastErrorAt === null ? '' : formatTime(s.delivery.lastErrorAt)}</span>
              {s.delivery.lastErrorPartition !== null && ` on partition ${s.delivery.lastErrorPartition}`}
            </div>
          </>
        )}
      </td>
      <td class="num" data-field="failures" title="Consecutive failed deliveries since the target last acknowledged one, over all partitions">
        {formatCount(failureCount(s))}
      </td>
      <td>
        <a href={routeHash({ screen: 'topic', topic: s.deadLetterTopic })}>{s.deadLetterTopic}</a>
        <div class="small" data-field="dlq-depth">
          {dlq.error && !dlq.data ? <span title={dlq.error.message}>{dlq.error.code}</span> : dlq.data ? `${formatCount(heldRecords(dlq.data.partitions))} records` : '…'}
        </div>
      </td>
      <td class="num" data-field="lag">
        {formatCount(s.totalLag)}
      </td>
      <td>
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Delete
        </button>
        {error && <ErrorView error={error} />}
        {confirming && (
          <ConfirmDialog
            title={`Delete the push subscription of ${s.group}?`}
            body={`Deliveries to ${targetText(s.target)} stop. The group's committed offsets and the dead-letter topic ${s.deadLetterTopic} stay.`}
            action="Delete subscription"
            typeToConfirm={s.group}
            onConfirm={remove}
            onCancel={() => setConfirming(false)}
          />
        )}
      </td>
    </tr>
  );
}
