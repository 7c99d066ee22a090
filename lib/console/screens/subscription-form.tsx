import { useState } from 'preact/hooks';
import type { CreatedSubscription } from '../../protocol/responses';
import { ErrorView } from '../components/error-view';
import { useLoad } from '../components/use-load';
import type { Api } from '../model/api';
import { shownError, type ShownError } from '../model/errors';
import { EMPTY_SUBSCRIPTION_FORM, subscriptionRequest, type SubscriptionForm } from '../model/subscription-form';

/** The secret as Standard Webhooks libraries take it: `whsec_` and the base64 of its bytes (printable ASCII, so btoa reads it right). */
function whsec(secret: string): string {
  return `whsec_${btoa(secret)}`;
}

/**
 * Creates (or replaces) a group's push subscription. The answer holds the signing secret,
 * which the API shows this once only, so it is shown here until the form is used again.
 */
export function SubscriptionCreateForm({ api, onCreated }: { api: Api; onCreated: () => void }) {
  const topics = useLoad((signal) => api.client.listTopics({ signal }), [api]);
  const [draft, setDraft] = useState<SubscriptionForm>(EMPTY_SUBSCRIPTION_FORM);
  const [error, setError] = useState<ShownError>();
  const [created, setCreated] = useState<CreatedSubscription>();
  const [busy, setBusy] = useState(false);
  const form = { ...draft, topic: draft.topic || topics.data?.[0]?.name || '' };
  const change = (patch: Partial<SubscriptionForm>) => setDraft((f) => ({ ...f, ...patch }));
  const text = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;
  const submit = async () => {
    const built = subscriptionRequest(form);
    setCreated(undefined);
    if (!built.ok) {
      setError({ code: 'INVALID_FORM', message: built.message, field: built.field });
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      setCreated(await api.client.putSubscription(built.group, built.request));
      onCreated();
    } catch (e) {
      setError(shownError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <details class="create-subscription">
      <summary>Create or replace a subscription</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div class="toolbar">
          <label>
            Group
            <input name="group" value={form.group} onInput={(e) => change({ group: text(e) })} required />
          </label>
          <label>
            Topic
            <select name="topic" value={form.topic} onChange={(e) => change({ topic: text(e) })}>
              {(topics.data ?? []).map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Target type
            <select name="targetType" value={form.targetType} onChange={(e) => change({ targetType: text(e) as SubscriptionForm['targetType'] })}>
              <option value="https">URL (https; http to localhost)</option>
              <option value="lambda">Lambda function</option>
            </select>
          </label>
          <label>
            {form.targetType === 'https' ? 'URL' : 'Function ARN'}
            <input name="target" value={form.target} onInput={(e) => change({ target: text(e) })} required size={40} />
          </label>
        </div>
        <div class="toolbar">
          <label>
            Batch size
            <input name="batchSize" inputMode="numeric" placeholder="100" size={6} value={form.batchSize} onInput={(e) => change({ batchSize: text(e) })} />
          </label>
          <label>
            Batching window (ms)
            <input name="batchingWindowMs" inputMode="numeric" placeholder="0" size={6} value={form.batchingWindowMs} onInput={(e) => change({ batchingWindowMs: text(e) })} />
          </label>
          <label>
            Retry attempts
            <input name="retryAttempts" inputMode="numeric" placeholder="10" size={6} value={form.retryAttempts} onInput={(e) => change({ retryAttempts: text(e) })} />
          </label>
          <label>
            Max record age (s, −1: none)
            <input name="maxRecordAgeSeconds" inputMode="numeric" placeholder="86400" size={7} value={form.maxRecordAgeSeconds} onInput={(e) => change({ maxRecordAgeSeconds: text(e) })} />
          </label>
          <label>
            Dead-letter topic
            <input name="deadLetterTopic" placeholder="<group>.dlq" value={form.deadLetterTopic} onInput={(e) => change({ deadLetterTopic: text(e) })} />
          </label>
          <label>
            Start at (new partitions)
            <select name="resetPolicy" value={form.resetPolicy} onChange={(e) => change({ resetPolicy: text(e) as SubscriptionForm['resetPolicy'] })}>
              <option value="latest">latest</option>
              <option value="earliest">earliest</option>
            </select>
          </label>
          <label class="inline">
            <input type="checkbox" name="bisectOnError" checked={form.bisectOnError} onChange={(e) => change({ bisectOnError: (e.target as HTMLInputElement).checked })} />
            Bisect a failing batch
          </label>
          <button type="submit" class="primary" disabled={busy}>
            Save subscription
          </button>
        </div>
        {error && <ErrorView error={error} />}
        {created && (
          <div class="notice" role="status" data-created={created.group}>
            Subscription of {created.group} saved. Its signing secret, shown only now: <code data-field="secret">{created.secret}</code> (for Standard Webhooks libraries:{' '}
            <code>{whsec(created.secret)}</code>).
          </div>
        )}
      </form>
    </details>
  );
}
