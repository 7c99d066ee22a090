import { useState } from 'preact/hooks';
import { AclForm } from '../components/acl-form';
import { AclTable } from '../components/acl-table';
import { ErrorView } from '../components/error-view';
import { EMPTY_QUOTA, QuotaForm, type QuotaDraft } from '../components/quota-form';
import { QuotaTable } from '../components/quota-table';
import { useLoad } from '../components/use-load';
import type { Api } from '../model/api';

/**
 * ACL rules and quotas, for admins: the API answers both lists only to a principal with
 * DESCRIBE on the cluster (and changes to ALTER), so anyone else sees its 403 here.
 */
export function AccessScreen({ api }: { api: Api }) {
  const acls = useLoad((signal) => api.client.listAcls({ signal }), [api]);
  const quotas = useLoad((signal) => api.client.listQuotas({ signal }), [api]);
  const [draft, setDraft] = useState<QuotaDraft>(EMPTY_QUOTA);
  const [notice, setNotice] = useState<string>();
  return (
    <section>
      <h1>Access</h1>
      <p class="muted" data-enforcement>
        Rules apply only where the platform authenticates callers and checks ACLs (<code>SLUICE_AUTH_MODE</code> set, <code>SLUICE_AUTHORIZATION=acl</code>). With authentication off every caller is
        anonymous and no rule is enforced; the API does not say which is on, so rules can be listed and edited either way. Admin principals (<code>SLUICE_ADMIN_PRINCIPALS</code>) may do
        anything.
      </p>
      {notice && (
        <p class="notice" role="status" data-notice>
          {notice}
        </p>
      )}

      <h2>ACL rules</h2>
      {acls.error && <ErrorView error={acls.error} onRetry={acls.reload} />}
      {/* A list refused (another token's) hides the one shown before. */}
      {acls.data && !acls.error && (
        <>
          <AclForm
            api={api}
            onCreated={(rule) => {
              setNotice(`Added rule ${rule.ruleId}: ${rule.permission} ${rule.operation} on ${rule.resourceType} ${rule.resourceName} for ${rule.principal}.`);
              acls.reload();
            }}
          />
          <AclTable api={api} rules={acls.data} onDeleted={acls.reload} />
        </>
      )}
      {acls.loading && !acls.data && !acls.error && <p aria-busy="true">Loading rules…</p>}

      <h2>Quotas</h2>
      <p class="muted">Byte rates a principal may produce and fetch, counted in 10-second windows; an empty rate is unlimited. A call over its quota is answered 429 with Retry-After.</p>
      {quotas.error && <ErrorView error={quotas.error} onRetry={quotas.reload} />}
      {quotas.data && !quotas.error && (
        <>
          <QuotaForm
            api={api}
            draft={draft}
            onSet={(quota) => {
              setNotice(`Set the quota of ${quota.principal}.`);
              quotas.reload();
            }}
          />
          <QuotaTable api={api} quotas={quotas.data} onEdit={setDraft} onChanged={quotas.reload} />
        </>
      )}
      {quotas.loading && !quotas.data && !quotas.error && <p aria-busy="true">Loading quotas…</p>}
    </section>
  );
}
