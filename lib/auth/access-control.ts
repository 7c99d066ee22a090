import type { SluiceContext } from '../core/context';
import { authorize, type Operation, type ResourceType } from './acl';
import { cachedAclRules } from './acl-store';
import type { AuthConfig } from './auth-config';
import { AccessDeniedError } from './auth-errors';

/** Who is calling, and under which rules. */
export interface Caller {
  principal: string;
  config: AuthConfig;
}

export interface Access {
  resourceType: ResourceType;
  resourceName: string;
  operation: Operation;
}

/**
 * Refuses with 403 unless the caller may do every one of `accesses`. Admin principals
 * may do anything; with ACLs off, everyone may.
 */
export async function requireAccess(ctx: SluiceContext, caller: Caller, ...accesses: Access[]): Promise<void> {
  if (!caller.config.aclsEnforced || caller.config.admins.has(caller.principal)) return;
  const rules = await cachedAclRules(ctx);
  for (const access of accesses) {
    if (!authorize(rules, caller.principal, access.resourceType, access.resourceName, access.operation).allowed) {
      throw new AccessDeniedError(caller.principal, access.operation, access.resourceType, access.resourceName);
    }
    // Every route that acts on a topic or group also shows it (offsets, assignments, the
    // subscription), so a DENY of DESCRIBE hides it from all of them, not just from describe.
    if (SHOWS_RESOURCE.includes(access.operation) && access.resourceType !== 'CLUSTER' && !authorize(rules, caller.principal, access.resourceType, access.resourceName, 'DESCRIBE').allowed) {
      throw new AccessDeniedError(caller.principal, 'DESCRIBE', access.resourceType, access.resourceName);
    }
  }
}

/** Operations whose answers show the resource; CREATE is left out (Kafka creates with CREATE alone). */
const SHOWS_RESOURCE: readonly Operation[] = ['READ', 'WRITE', 'DELETE', 'ALTER', 'ALTER_CONFIGS'];

/** Keeps the items the caller may describe, for list routes (Kafka lists only what you may describe). */
export async function visibleTo<T>(ctx: SluiceContext, caller: Caller, resourceType: ResourceType, items: T[], nameOf: (item: T) => string): Promise<T[]> {
  if (!caller.config.aclsEnforced || caller.config.admins.has(caller.principal)) return items;
  const rules = await cachedAclRules(ctx);
  return items.filter((item) => authorize(rules, caller.principal, resourceType, nameOf(item), 'DESCRIBE').allowed);
}

/**
 * Which topics the caller may DESCRIBE, for routes that show topics as a side view (a
 * group's positions, its members' subscriptions): a topic it may not describe is left
 * out, exactly as if it did not exist.
 */
export async function topicVisibility(ctx: SluiceContext, caller: Caller): Promise<(topic: string) => boolean> {
  if (!caller.config.aclsEnforced || caller.config.admins.has(caller.principal)) return () => true;
  const rules = await cachedAclRules(ctx);
  return (topic) => authorize(rules, caller.principal, 'TOPIC', topic, 'DESCRIBE').allowed;
}
