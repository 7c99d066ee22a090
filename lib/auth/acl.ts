/**
 * Kafka-style ACLs: a rule allows or denies one principal (or `*`) an operation on
 * resources of one type named literally or by prefix. Deny wins over allow; with no
 * matching allow the answer is no.
 */
import type { AclRule as ProtocolAclRule } from '../protocol/responses';

export const RESOURCE_TYPES = ['TOPIC', 'GROUP', 'CLUSTER'] as const;
// ALTER_CONFIGS: changing a topic's config (Kafka's operation for AlterConfigs); ALTER adds its partitions.
export const OPERATIONS = ['READ', 'WRITE', 'CREATE', 'DELETE', 'DESCRIBE', 'ALTER', 'ALTER_CONFIGS', 'ALL'] as const;
export const PATTERN_TYPES = ['LITERAL', 'PREFIXED'] as const;
export const PERMISSIONS = ['ALLOW', 'DENY'] as const;

export type ResourceType = (typeof RESOURCE_TYPES)[number];
export type Operation = (typeof OPERATIONS)[number];
export type PatternType = (typeof PATTERN_TYPES)[number];
export type Permission = (typeof PERMISSIONS)[number];

export interface AclRule {
  principal: string;
  resourceType: ResourceType;
  patternType: PatternType;
  /** A name, a prefix (PREFIXED), or `*` (LITERAL: every resource of the type). */
  resourceName: string;
  operation: Operation;
  permission: Permission;
}

/** A rule with its id and creation time, as stored and as the ACL routes answer it (the wire contract's shape). */
export type StoredAclRule = ProtocolAclRule;

export interface Decision {
  allowed: boolean;
  /** The rule that decided, if any. */
  rule?: AclRule;
}

/**
 * As in Kafka, being allowed to read, write, delete or alter a resource implies being
 * allowed to describe it. ALTER_CONFIGS implies only DESCRIBE_CONFIGS in Kafka; Sluice has
 * no separate DESCRIBE_CONFIGS (describe shows the config), and the config route answers
 * the topic, so it implies DESCRIBE here.
 */
const IMPLIES_DESCRIBE: readonly Operation[] = ['READ', 'WRITE', 'DELETE', 'ALTER', 'ALTER_CONFIGS'];

export function authorize(rules: readonly AclRule[], principal: string, resourceType: ResourceType, resourceName: string, operation: Operation): Decision {
  const applicable = rules.filter(
    (rule) =>
      (rule.principal === '*' || rule.principal === principal) &&
      rule.resourceType === resourceType &&
      namesMatch(rule, resourceName),
  );
  const deny = applicable.find((rule) => rule.permission === 'DENY' && (rule.operation === 'ALL' || rule.operation === operation));
  if (deny) return { allowed: false, rule: deny };
  const allow = applicable.find(
    (rule) =>
      rule.permission === 'ALLOW' &&
      (rule.operation === 'ALL' || rule.operation === operation || (operation === 'DESCRIBE' && IMPLIES_DESCRIBE.includes(rule.operation))),
  );
  return allow ? { allowed: true, rule: allow } : { allowed: false };
}

function namesMatch(rule: AclRule, name: string): boolean {
  if (rule.patternType === 'PREFIXED') return name.startsWith(rule.resourceName);
  return rule.resourceName === '*' || rule.resourceName === name;
}
