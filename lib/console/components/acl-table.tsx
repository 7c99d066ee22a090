import { useState } from 'preact/hooks';
import type { AclRule } from '../../client/index';
import type { Api } from '../model/api';
import { shownError, type ShownError } from '../model/errors';
import { ConfirmDialog } from './confirm-dialog';
import { ErrorView } from './error-view';
import { formatTime } from './format';
import { Paged } from './pager';

const patternOf = (rule: AclRule) => (rule.patternType === 'PREFIXED' ? `${rule.resourceName}*` : rule.resourceName);

/** The ACL rules, oldest first as the API answers them, each with a delete asked for twice. */
export function AclTable({ api, rules, onDeleted }: { api: Api; rules: AclRule[]; onDeleted: () => void }) {
  const [deleting, setDeleting] = useState<AclRule>();
  const [error, setError] = useState<ShownError>();
  const [filter, setFilter] = useState('');
  const shown = filter ? rules.filter((r) => `${r.principal} ${r.resourceType} ${r.resourceName} ${r.operation} ${r.permission}`.toLowerCase().includes(filter.toLowerCase())) : rules;
  return (
    <>
      <div class="toolbar">
        <label>
          Filter rules
          <input type="search" value={filter} placeholder="principal, resource, operation…" onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      {error && <ErrorView error={error} />}
      {shown.length === 0 ? (
        <p data-empty="acls">{rules.length === 0 ? 'No ACL rules.' : 'No rule matches the filter.'}</p>
      ) : (
        <Paged items={shown} label="rules">
          {(page) => (
            <table data-table="acls">
              <thead>
                <tr>
                  <th scope="col">Principal</th>
                  <th scope="col">Resource</th>
                  <th scope="col">Operation</th>
                  <th scope="col">Permission</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.map((rule) => (
                  <tr key={rule.ruleId} data-rule-id={rule.ruleId} data-principal={rule.principal}>
                    <td class="mono">{rule.principal}</td>
                    <td>
                      {rule.resourceType} <code>{patternOf(rule)}</code>
                      {rule.patternType === 'PREFIXED' && <span class="muted"> (prefixed)</span>}
                    </td>
                    <td data-field="operation">{rule.operation}</td>
                    <td data-field="permission" class={rule.permission === 'DENY' ? 'deny' : undefined}>
                      {rule.permission}
                    </td>
                    <td>{formatTime(rule.createdAt)}</td>
                    <td>
                      <button type="button" class="link" onClick={() => setDeleting(rule)}>
                        Delete<span class="visually-hidden"> rule for {rule.principal}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Paged>
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete this ACL rule?"
          body={`${deleting.permission} ${deleting.operation} on ${deleting.resourceType} ${patternOf(deleting)} for ${deleting.principal}. The change applies within seconds (the API caches rules briefly).`}
          action="Delete rule"
          onCancel={() => setDeleting(undefined)}
          onConfirm={async () => {
            const rule = deleting;
            setDeleting(undefined);
            setError(undefined);
            try {
              await api.client.deleteAcl(rule.ruleId);
            } catch (err) {
              setError(shownError(err));
            }
            onDeleted();
          }}
        />
      )}
    </>
  );
}
