import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/**
 * What a cancelled TransactWriteItems call says, by part. DynamoDB reports one reason per
 * item in the order the items were sent; the store that built the call names each item's
 * part, so what it answers its callers is a typed outcome, not an array position.
 */
export interface Cancellation<Part extends string> {
  /** The parts whose condition failed. */
  readonly failed: ReadonlySet<Part>;
  /** Every reason other than `None` (conflicts, throttles, failed conditions), for a message. */
  readonly codes: string;
}

/** The cancellation `error` reports for a call whose items were `parts`, in order; undefined when `error` is no cancellation. */
export function cancellationOf<Part extends string>(error: unknown, parts: readonly Part[]): Cancellation<Part> | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const reasons = error.CancellationReasons ?? [];
  const failed = new Set<Part>();
  reasons.forEach((reason, i) => {
    const part = parts[i];
    if (reason.Code === 'ConditionalCheckFailed' && part !== undefined) failed.add(part);
  });
  const codes = reasons.map((r) => r.Code).filter((c) => c && c !== 'None').join(', ');
  return { failed, codes: codes || 'transaction cancelled' };
}
