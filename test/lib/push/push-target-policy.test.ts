import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedPushTargetFunctions, checkPushTarget, PUSH_TARGET_FUNCTIONS_ENV_VAR } from '../../../lib/push/push-target-policy';

const fn = 'arn:aws:lambda:eu-west-1:123456789012:function:orders';

describe('push target policy', () => {
  it('reads the allowed functions from the environment; unset means unrestricted, empty means none', () => {
    assert.equal(allowedPushTargetFunctions({}), undefined);
    assert.deepEqual([...allowedPushTargetFunctions({ [PUSH_TARGET_FUNCTIONS_ENV_VAR]: '' })!], []);
    assert.deepEqual([...allowedPushTargetFunctions({ [PUSH_TARGET_FUNCTIONS_ENV_VAR]: ` ${fn} ,${fn}2` })!], [fn, `${fn}2`]);
  });

  it('accepts an allowed function, its aliases and versions, any HTTPS target, and anything when unrestricted', () => {
    const allowed = new Set([fn]);
    checkPushTarget({ type: 'lambda', functionArn: fn }, allowed);
    checkPushTarget({ type: 'lambda', functionArn: `${fn}:live` }, allowed);
    checkPushTarget({ type: 'https', url: 'https://example.com/hook' }, new Set());
    checkPushTarget({ type: 'lambda', functionArn: `${fn}-other` }, undefined);
  });

  it('refuses another function, one sharing a name prefix, and every function when none is allowed, naming the field', () => {
    for (const [arn, allowed] of [[`${fn}-other`, new Set([fn])], [fn, new Set<string>()]] as const) {
      assert.throws(() => checkPushTarget({ type: 'lambda', functionArn: arn }, allowed), { code: 'INVALID_REQUEST', status: 400, details: { field: 'target.functionArn', allowed: [...allowed] } });
    }
  });
});
