import { useState } from 'preact/hooks';
import type { ResetOffsetsResponse } from '../../protocol/responses';
import { ErrorView } from '../components/error-view';
import { formatCount } from '../components/format';
import type { Api } from '../model/api';
import { shownError, type ShownError } from '../model/errors';
import { resetRequest, type ResetForm } from '../model/reset-plan';

function PlanTable({ plan }: { plan: ResetOffsetsResponse }) {
  return (
    <table data-plan={plan.dryRun ? 'dry-run' : 'applied'}>
      <caption>
        {plan.dryRun ? 'Planned offsets (dry run: nothing written)' : 'Offsets set'} for {plan.topic}
      </caption>
      <thead>
        <tr>
          <th scope="col" class="num">Partition</th>
          <th scope="col" class="num">Current offset</th>
          <th scope="col" class="num">New offset</th>
          <th scope="col" class="num">Log start</th>
          <th scope="col" class="num">High watermark</th>
          <th scope="col">Note</th>
        </tr>
      </thead>
      <tbody>
        {plan.partitions.map((p) => (
          <tr key={p.partition} data-partition={p.partition}>
            <td class="num">{p.partition}</td>
            <td class="num" data-field="previous">{p.previousOffset === null ? 'none' : formatCount(p.previousOffset)}</td>
            <td class="num" data-field="offset">{formatCount(p.offset)}</td>
            <td class="num">{formatCount(p.logStartOffset)}</td>
            <td class="num">{formatCount(p.highWatermark)}</td>
            <td>{p.clamped ? 'clamped to the readable range' : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Moves the group's offsets on one topic, as `kafka-consumer-groups --reset-offsets`: a
 * dry run first shows the plan, and only that plan can be applied (changing the form
 * asks for a new dry run). The API refuses a group with live members (`GROUP_ACTIVE`) or
 * a push subscription (`GROUP_HAS_SUBSCRIPTION`); the console shows that refusal as is.
 */
export function GroupResetOffsets({ api, group, topics, onApplied }: { api: Api; group: string; topics: string[]; onApplied: () => void }) {
  const [draft, setForm] = useState<ResetForm>({ topic: '', partitions: 'all', target: 'earliest', offset: '', dateTime: '' });
  // Until one is chosen, the first topic offered (the list may arrive after the form).
  const form = { ...draft, topic: draft.topic || topics[0] || '' };
  const [plan, setPlan] = useState<ResetOffsetsResponse>();
  const [applied, setApplied] = useState<ResetOffsetsResponse>();
  const [error, setError] = useState<ShownError>();
  const [busy, setBusy] = useState(false);
  const change = (patch: Partial<ResetForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    // A plan is for the form it was made from; a changed form needs a new dry run.
    setPlan(undefined);
    setApplied(undefined);
    setError(undefined);
  };
  const run = async (dryRun: boolean) => {
    const built = resetRequest(form, dryRun);
    if (!built.ok) {
      setError({ code: 'INVALID_FORM', message: built.message, field: built.field });
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api.client.resetGroupOffsets(group, built.request);
      if (dryRun) {
        setPlan(answer);
        setApplied(undefined);
      } else {
        setPlan(undefined);
        setApplied(answer);
        onApplied();
      }
    } catch (e) {
      setError(shownError(e));
    } finally {
      setBusy(false);
    }
  };
  const value = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;
  return (
    <form
      class="reset-offsets"
      onSubmit={(e) => {
        e.preventDefault();
        void run(true);
      }}
    >
      <div class="toolbar">
        <label>
          Topic
          <select value={form.topic} onChange={(e) => change({ topic: value(e) })} name="topic">
            {topics.length === 0 && <option value="">no topics</option>}
            {topics.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Partitions
          <input name="partitions" value={form.partitions} onInput={(e) => change({ partitions: value(e) })} placeholder="all, or 0, 2-4" size={12} />
        </label>
        <label>
          Reset to
          <select name="target" value={form.target} onChange={(e) => change({ target: value(e) as ResetForm['target'] })}>
            <option value="earliest">earliest (log start)</option>
            <option value="latest">latest (high watermark)</option>
            <option value="offset">an offset</option>
            <option value="timestamp">a date and time (UTC)</option>
          </select>
        </label>
        {form.target === 'offset' && (
          <label>
            Offset
            <input name="offset" type="number" min={0} value={form.offset} onInput={(e) => change({ offset: value(e) })} size={10} />
          </label>
        )}
        {form.target === 'timestamp' && (
          <label>
            Date and time (UTC)
            <input name="dateTime" type="datetime-local" step={1} value={form.dateTime} onInput={(e) => change({ dateTime: value(e) })} />
          </label>
        )}
        <button type="submit" disabled={busy || !form.topic}>
          Dry run
        </button>
        <button type="button" class="primary" disabled={busy || !plan} onClick={() => void run(false)} title={plan ? undefined : 'Run a dry run first'}>
          Apply
        </button>
      </div>
      {error && <ErrorView error={error} />}
      {plan && <PlanTable plan={plan} />}
      {applied && (
        <>
          <p class="notice" role="status" data-reset="applied">
            Reset {applied.partitions.length} partition{applied.partitions.length === 1 ? '' : 's'} of {applied.topic}.
          </p>
          <PlanTable plan={applied} />
        </>
      )}
    </form>
  );
}
