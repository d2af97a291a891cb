import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { errorName } from './aws-errors';

/** One item of a TransactWriteItems. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Whether a write failed because the condition of the item at `index` was false: a plain
 * ConditionalCheckFailedException for a single write (index 0), or that item's cancellation
 * reason for a transaction (reasons come in the order of the items).
 */
export function conditionFailedAt(error: unknown, index: number): boolean {
  const name = errorName(error);
  if (name === 'ConditionalCheckFailedException') return index === 0;
  if (name !== 'TransactionCanceledException') return false;
  return (error as TransactionCanceledException).CancellationReasons?.[index]?.Code === 'ConditionalCheckFailed';
}

/**
 * Whether a transaction was cancelled because another one was writing the same item at the same
 * moment. The SDK does not retry that (it is not a throttle or a 5xx), and the transaction changed
 * nothing, so writing it again is safe: a caller whose items are contended (a shared counter) does.
 */
export function isTransactionConflict(error: unknown): boolean {
  if (errorName(error) !== 'TransactionCanceledException') return false;
  return ((error as TransactionCanceledException).CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict');
}
