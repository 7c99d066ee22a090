import { useState } from 'preact/hooks';
import type { AclOperation, AclPatternType, AclPermission, AclResourceType, AclRule, AclRuleRequest } from '../../client/index';
import type { Api } from '../model/api';
import { FormError, useAction } from './use-action';

export const RESOURCE_TYPES: AclResourceType[] = ['TOPIC', 'GROUP', 'CLUSTER'];
export const PATTERN_TYPES: AclPatternType[] = ['LITERAL', 'PREFIXED'];
export const OPERATIONS: AclOperation[] = ['READ', 'WRITE', 'CREATE', 'DELETE', 'DESCRIBE', 'ALTER', 'ALTER_CONFIGS', 'ALL'];
export const PERMISSIONS: AclPermission[] = ['ALLOW', 'DENY'];

const EMPTY: AclRuleRequest = { principal: '', resourceType: 'TOPIC', patternType: 'LITERAL', resourceName: '', operation: 'READ', permission: 'ALLOW' };

function Choice<T extends string>({ label, name, value, options, onChange }: { label: string; name: string; value: T; options: T[]; onChange: (value: T) => void }) {
  return (
    <label>
      {label}
      <select name={name} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value as T)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * Adds one ACL rule. Nothing is checked here: the API validates the rule, and its 400
 * (naming the field) is shown as it came, so the console never disagrees with the server.
 */
export function AclForm({ api, onCreated }: { api: Api; onCreated: (rule: AclRule) => void }) {
  const [rule, setRule] = useState<AclRuleRequest>(EMPTY);
  const { busy, error, run } = useAction();
  const set = (change: Partial<AclRuleRequest>) => setRule((r) => ({ ...r, ...change }));
  return (
    <form
      class="toolbar"
      data-form="acl"
      aria-label="Add an ACL rule"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const created = await api.client.createAcl(rule);
          setRule((r) => ({ ...r, resourceName: '' }));
          onCreated(created);
        });
      }}
    >
      <label>
        Principal
        <input name="principal" value={rule.principal} placeholder="user, ARN or *" autoComplete="off" onInput={(e) => set({ principal: (e.target as HTMLInputElement).value })} />
      </label>
      <Choice label="Resource type" name="resourceType" value={rule.resourceType} options={RESOURCE_TYPES} onChange={(resourceType) => set({ resourceType, ...(resourceType === 'CLUSTER' ? { resourceName: 'cluster', patternType: 'LITERAL' } : {}) })} />
      <Choice label="Pattern" name="patternType" value={rule.patternType ?? 'LITERAL'} options={PATTERN_TYPES} onChange={(patternType) => set({ patternType })} />
      <label>
        Resource name
        <input name="resourceName" value={rule.resourceName} placeholder="name, prefix or *" autoComplete="off" onInput={(e) => set({ resourceName: (e.target as HTMLInputElement).value })} />
      </label>
      <Choice label="Operation" name="operation" value={rule.operation} options={OPERATIONS} onChange={(operation) => set({ operation })} />
      <Choice label="Permission" name="permission" value={rule.permission} options={PERMISSIONS} onChange={(permission) => set({ permission })} />
      <button type="submit" class="primary" disabled={busy}>
        Add rule
      </button>
      <FormError error={error} form="acl" />
    </form>
  );
}
