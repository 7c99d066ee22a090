import type { AclOperation, AclResourceType, AclRule } from '../../lib/client/types';
import { type GlobalOptions, clientFor } from './common';
import { out, table } from './output';

/** `sluice acls create | list | delete`. */

export const ACL_RESOURCE_TYPES = ['TOPIC', 'GROUP', 'CLUSTER'] as const;
export const ACL_OPERATIONS = ['READ', 'WRITE', 'CREATE', 'DELETE', 'DESCRIBE', 'ALTER', 'ALTER_CONFIGS', 'ALL'] as const;
/** The name ACLs on the cluster resource use. */
export const CLUSTER_RESOURCE_NAME = 'cluster';

export interface AclCreateOptions {
  principal: string;
  resourceType: AclResourceType;
  name?: string;
  prefixed?: boolean;
  operation: AclOperation;
  allow?: boolean;
  deny?: boolean;
}

export function aclTable(rules: AclRule[]): string {
  return table(
    ['RULE-ID', 'PRINCIPAL', 'PERMISSION', 'OPERATION', 'RESOURCE-TYPE', 'PATTERN', 'NAME'],
    rules.map((r) => [r.ruleId, r.principal, r.permission, r.operation, r.resourceType, r.patternType, r.resourceName]),
  );
}

export async function createAcl(opts: AclCreateOptions, globals: GlobalOptions): Promise<void> {
  const rule = await clientFor(globals).createAcl({
    principal: opts.principal,
    resourceType: opts.resourceType,
    patternType: opts.prefixed ? 'PREFIXED' : 'LITERAL',
    resourceName: opts.name ?? CLUSTER_RESOURCE_NAME,
    operation: opts.operation,
    permission: opts.deny ? 'DENY' : 'ALLOW',
  });
  if (globals.json) return out(`${JSON.stringify(rule)}\n`);
  await out(`Created ACL rule ${rule.ruleId}.\n${aclTable([rule])}`);
}

export async function listAcls(globals: GlobalOptions): Promise<void> {
  const rules = await clientFor(globals).listAcls();
  if (globals.json) return out(`${JSON.stringify({ rules })}\n`);
  await out(rules.length === 0 ? 'No ACL rules.\n' : aclTable(rules));
}

export async function deleteAcl(ruleId: string, globals: GlobalOptions): Promise<void> {
  await clientFor(globals).deleteAcl(ruleId);
  await out(globals.json ? `${JSON.stringify({ ruleId, deleted: true })}\n` : `Deleted ACL rule ${ruleId}.\n`);
}
