import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorize, type AclRule } from '../../../lib/auth/acl';

const rule = (overrides: Partial<AclRule>): AclRule => ({
  principal: 'alice',
  resourceType: 'TOPIC',
  patternType: 'LITERAL',
  resourceName: 'orders',
  operation: 'READ',
  permission: 'ALLOW',
  ...overrides,
});

describe('authorize', () => {
  it('denies when no rule matches', () => {
    assert.equal(authorize([], 'alice', 'TOPIC', 'orders', 'READ').allowed, false);
  });

  it('allows a literal match for the principal and operation', () => {
    assert.equal(authorize([rule({})], 'alice', 'TOPIC', 'orders', 'READ').allowed, true);
    assert.equal(authorize([rule({})], 'alice', 'TOPIC', 'orders', 'WRITE').allowed, false);
    assert.equal(authorize([rule({})], 'bob', 'TOPIC', 'orders', 'READ').allowed, false);
    assert.equal(authorize([rule({})], 'alice', 'GROUP', 'orders', 'READ').allowed, false);
  });

  it('matches prefixes only with PREFIXED, and * as every name with LITERAL', () => {
    const prefixed = rule({ patternType: 'PREFIXED', resourceName: 'orders.' });
    assert.equal(authorize([prefixed], 'alice', 'TOPIC', 'orders.eu', 'READ').allowed, true);
    assert.equal(authorize([prefixed], 'alice', 'TOPIC', 'payments', 'READ').allowed, false);
    assert.equal(authorize([rule({ resourceName: 'orders.' })], 'alice', 'TOPIC', 'orders.eu', 'READ').allowed, false);
    assert.equal(authorize([rule({ resourceName: '*' })], 'alice', 'TOPIC', 'anything', 'READ').allowed, true);
  });

  it('applies a rule for principal * to everyone', () => {
    assert.equal(authorize([rule({ principal: '*' })], 'zed', 'TOPIC', 'orders', 'READ').allowed, true);
  });

  it('lets deny win over allow, whichever comes first', () => {
    const deny = rule({ permission: 'DENY', patternType: 'PREFIXED', resourceName: 'ord' });
    assert.equal(authorize([rule({}), deny], 'alice', 'TOPIC', 'orders', 'READ').allowed, false);
    assert.equal(authorize([deny, rule({})], 'alice', 'TOPIC', 'orders', 'READ').allowed, false);
    assert.equal(authorize([rule({ operation: 'ALL' }), rule({ principal: '*', permission: 'DENY', operation: 'WRITE' })], 'alice', 'TOPIC', 'orders', 'WRITE').allowed, false);
  });

  it('implies DESCRIBE from READ, WRITE, DELETE and ALTER, as Kafka does, but not the reverse', () => {
    for (const operation of ['READ', 'WRITE', 'DELETE', 'ALTER'] as const) {
      assert.equal(authorize([rule({ operation })], 'alice', 'TOPIC', 'orders', 'DESCRIBE').allowed, true);
    }
    assert.equal(authorize([rule({ operation: 'DESCRIBE' })], 'alice', 'TOPIC', 'orders', 'READ').allowed, false);
  });

  it('lets ALL allow every operation', () => {
    for (const operation of ['READ', 'WRITE', 'CREATE', 'DELETE', 'DESCRIBE', 'ALTER'] as const) {
      assert.equal(authorize([rule({ operation: 'ALL' })], 'alice', 'TOPIC', 'orders', operation).allowed, true);
    }
  });
});
