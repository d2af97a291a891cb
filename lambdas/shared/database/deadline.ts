/** The part of the Lambda context object the database handlers use. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/**
 * How long retries may take in this invocation: the time left minus a reserve for the work
 * after the retried step and for returning a response before Lambda's own timeout.
 */
export function retryBudgetMs(context: InvocationContext, reserveMs: number): number {
  return Math.max(0, context.getRemainingTimeInMillis() - reserveMs);
}
