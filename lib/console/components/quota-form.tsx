import { useEffect, useState } from 'preact/hooks';
import type { Quota, QuotaRequest } from '../../client/index';
import type { Api } from '../model/api';
import { FormError, useAction } from './use-action';

export interface QuotaDraft {
  principal: string;
  produce: string;
  fetch: string;
}

export const EMPTY_QUOTA: QuotaDraft = { principal: '', produce: '', fetch: '' };

/**
 * A rate as typed: empty is unlimited (null); anything else is sent as a number if it
 * reads as one, else as typed, so the API's 400 names the field rather than the console
 * guessing at its rules.
 */
export function rateOf(text: string): number | null | string {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : trimmed;
}

/** Sets (replaces) a principal's produce and fetch byte rates; empty is unlimited. */
export function QuotaForm({ api, draft, onSet }: { api: Api; draft: QuotaDraft; onSet: (quota: Quota) => void }) {
  const [value, setValue] = useState(draft);
  const { busy, error, run } = useAction();
  // An "Edit" in the table fills the form again.
  useEffect(() => setValue(draft), [draft]);
  const set = (change: Partial<QuotaDraft>) => setValue((v) => ({ ...v, ...change }));
  return (
    <form
      class="toolbar"
      data-form="quota"
      aria-label="Set a quota"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const request = { principal: value.principal, produceBytesPerSecond: rateOf(value.produce), fetchBytesPerSecond: rateOf(value.fetch) } as QuotaRequest;
          onSet(await api.client.setQuota(request));
        });
      }}
    >
      <label>
        Principal
        <input name="principal" value={value.principal} autoComplete="off" onInput={(e) => set({ principal: (e.target as HTMLInputElement).value })} />
      </label>
      <label>
        Produce bytes/s
        <input name="produceBytesPerSecond" inputMode="numeric" value={value.produce} placeholder="unlimited" onInput={(e) => set({ produce: (e.target as HTMLInputElement).value })} />
      </label>
      <label>
        Fetch bytes/s
        <input name="fetchBytesPerSecond" inputMode="numeric" value={value.fetch} placeholder="unlimited" onInput={(e) => set({ fetch: (e.target as HTMLInputElement).value })} />
      </label>
      <button type="submit" class="primary" disabled={busy}>
        Set quota
      </button>
      <FormError error={error} form="quota" />
    </form>
  );
}
