import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { cancellationOf, type Cancellation } from './transaction-cancellation';

/** One item of a TransactWriteItems call, as a store module builds its part of one. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Sends one TransactWriteItems of named parts. Undefined when it was written; the
 * cancellation, by part, when DynamoDB cancelled it; any other error is thrown.
 */
export async function transactWrite<Part extends string>(
  ctx: SluiceContext,
  parts: readonly (readonly [Part, TransactItem])[],
): Promise<Cancellation<Part> | undefined> {
  try {
    await ctx.ddb.send(new TransactWriteCommand({ TransactItems: parts.map(([, item]) => item) }));
    return undefined;
  } catch (error) {
    const cancellation = cancellationOf(error, parts.map(([part]) => part));
    if (!cancellation) throw error;
    return cancellation;
  }
}
