import { useState } from 'preact/hooks';
import type { Quota } from '../../client/index';
import type { Api } from '../model/api';
import { shownError, type ShownError } from '../model/errors';
import { ConfirmDialog } from './confirm-dialog';
import { ErrorView } from './error-view';
import { formatCount, formatTime } from './format';
import { Paged } from './pager';
import type { QuotaDraft } from './quota-form';

// Bytes as the form takes them, so an edit round-trips.
const rate = (n: number | null) => (n === null ? 'unlimited' : `${formatCount(n)} B/s`);

/**
 * Principals with a quota of their own. The API has no delete: "Make unlimited" sets both
 * rates to null, which lifts the limit but keeps the principal listed (and overrides a
 * platform default quota, if one is configured).
 */
export function QuotaTable({ api, quotas, onEdit, onChanged }: { api: Api; quotas: Quota[]; onEdit: (draft: QuotaDraft) => void; onChanged: () => void }) {
  const [lifting, setLifting] = useState<Quota>();
  const [error, setError] = useState<ShownError>();
  return (
    <>
      {error && <ErrorView error={error} />}
      {quotas.length === 0 ? (
        <p data-empty="quotas">No principal has a quota of its own; each has the platform's default (unlimited unless configured).</p>
      ) : (
        <Paged items={quotas} label="quotas">
          {(page) => (
            <table data-table="quotas">
              <thead>
                <tr>
                  <th scope="col">Principal</th>
                  <th scope="col" class="num">Produce</th>
                  <th scope="col" class="num">Fetch</th>
                  <th scope="col">Updated</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.map((q) => (
                  <tr key={q.principal} data-quota-principal={q.principal}>
                    <td class="mono">{q.principal}</td>
                    <td class="num" data-field="produce" data-value={q.produceBytesPerSecond ?? 'null'}>
                      {rate(q.produceBytesPerSecond)}
                    </td>
                    <td class="num" data-field="fetch" data-value={q.fetchBytesPerSecond ?? 'null'}>
                      {rate(q.fetchBytesPerSecond)}
                    </td>
                    <td>{formatTime(q.updatedAt)}</td>
                    <td>
                      <button type="button" class="link" onClick={() => onEdit({ principal: q.principal, produce: q.produceBytesPerSecond === null ? '' : String(q.produceBytesPerSecond), fetch: q.fetchBytesPerSecond === null ? '' : String(q.fetchBytesPerSecond) })}>
                        Edit<span class="visually-hidden"> quota of {q.principal}</span>
                      </button>
                      {(q.produceBytesPerSecond !== null || q.fetchBytesPerSecond !== null) && (
                        <button type="button" class="link" onClick={() => setLifting(q)}>
                          Make unlimited<span class="visually-hidden"> for {q.principal}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Paged>
      )}
      {lifting && (
        <ConfirmDialog
          title="Lift this quota?"
          body={`${lifting.principal} may then produce and fetch without a byte-rate limit, whatever the platform's default quota.`}
          action="Make unlimited"
          onCancel={() => setLifting(undefined)}
          onConfirm={async () => {
            const principal = lifting.principal;
            setLifting(undefined);
            setError(undefined);
            try {
              await api.client.setQuota({ principal, produceBytesPerSecond: null, fetchBytesPerSecond: null });
            } catch (err) {
              setError(shownError(err));
            }
            onChanged();
          }}
        />
      )}
    </>
  );
}
