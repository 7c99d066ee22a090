import { ValidationError } from '../core/errors';
import type { PushTarget } from '../store/subscription-items';

/**
 * Which Lambda functions push subscriptions may target: the deployment grants the
 * dispatcher `lambda:InvokeFunction` on exactly the stack's `pushTargetFunctionArns`, so
 * a subscription to any other function could only fail every delivery into its
 * dead-letter topic. Refusing it when the subscription is made says so at once.
 */
export const PUSH_TARGET_FUNCTIONS_ENV_VAR = 'SLUICE_PUSH_TARGET_FUNCTION_ARNS';

/** The allowed function ARNs from the environment (comma-separated; empty allows none), or undefined when unset: no restriction (the local platform). */
export function allowedPushTargetFunctions(env: Readonly<Record<string, string | undefined>> = process.env): ReadonlySet<string> | undefined {
  const value = env[PUSH_TARGET_FUNCTIONS_ENV_VAR];
  if (value === undefined) return undefined;
  return new Set(
    value
      .split(',')
      .map((arn) => arn.trim())
      .filter((arn) => arn !== ''),
  );
}

/** Refuses a Lambda target outside `allowed` (a qualified ARN, `…:function:name:alias`, counts as its function's). */
export function checkPushTarget(target: PushTarget, allowed: ReadonlySet<string> | undefined): void {
  if (target.type !== 'lambda' || allowed === undefined) return;
  const arn = target.functionArn;
  if ([...allowed].some((granted) => arn === granted || arn.startsWith(`${granted}:`))) return;
  throw new ValidationError(
    `target.functionArn: '${arn}' is not a function this deployment may invoke; add it to the stack's pushTargetFunctionArns (${allowed.size === 0 ? 'none allowed now' : [...allowed].join(', ')})`,
    { field: 'target.functionArn', allowed: [...allowed] },
  );
}
