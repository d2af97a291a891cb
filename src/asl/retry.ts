/** Retry and Catch configuration, validated where it is declared. */
import type { AslRetrier } from './asl-types';
import type { ErrorName } from './errors';
import type { PathInput } from './paths';
import type { State } from './state-base';

export type JitterStrategy = 'FULL' | 'NONE';

export interface RetryProps {
  readonly errors: readonly ErrorName[];
  /** Seconds before the first retry (ASL default 1). */
  readonly intervalSeconds?: number;
  /** Retries after the first attempt (ASL default 3; 0 = never retry). */
  readonly maxAttempts?: number;
  /** Multiplier of the interval at each attempt (ASL default 2.0). */
  readonly backoffRate?: number;
  /** Cap of the interval. */
  readonly maxDelaySeconds?: number;
  readonly jitterStrategy?: JitterStrategy;
}

export interface CatchProps {
  readonly errors: readonly ErrorName[];
  readonly next: State;
  /**
   * Where the error output `{Error, Cause}` goes. Required: the ASL default (`$`) replaces the
   * whole state with the error and loses the execution input; `null` drops the error instead.
   */
  readonly resultPath: PathInput | null;
}

function positiveInteger(value: number | undefined, field: string, where: string, min: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min) throw new Error(`${where}: ${field} must be an integer >= ${min} (got ${value})`);
}

export function checkErrorList(errors: readonly ErrorName[], where: string): void {
  if (!Array.isArray(errors) || errors.length === 0) throw new Error(`${where}: ErrorEquals needs at least one error name`);
  if (new Set(errors).size !== errors.length) throw new Error(`${where}: ErrorEquals lists an error twice`);
  if (errors.includes('States.ALL') && errors.length > 1) {
    throw new Error(`${where}: States.ALL must appear alone in its ErrorEquals`);
  }
}

export function renderRetrier(props: RetryProps, where: string): AslRetrier {
  checkErrorList(props.errors, where);
  positiveInteger(props.intervalSeconds, 'intervalSeconds', where, 1);
  positiveInteger(props.maxAttempts, 'maxAttempts', where, 0);
  positiveInteger(props.maxDelaySeconds, 'maxDelaySeconds', where, 1);
  if (props.backoffRate !== undefined && !(Number.isFinite(props.backoffRate) && props.backoffRate >= 1)) {
    throw new Error(`${where}: backoffRate must be >= 1 (got ${props.backoffRate})`);
  }
  return {
    ErrorEquals: [...props.errors],
    ...(props.intervalSeconds !== undefined && { IntervalSeconds: props.intervalSeconds }),
    ...(props.maxAttempts !== undefined && { MaxAttempts: props.maxAttempts }),
    ...(props.backoffRate !== undefined && { BackoffRate: props.backoffRate }),
    ...(props.maxDelaySeconds !== undefined && { MaxDelaySeconds: props.maxDelaySeconds }),
    ...(props.jitterStrategy !== undefined && { JitterStrategy: props.jitterStrategy }),
  };
}

/** The ASL spec: a States.ALL matcher must be the last one, or the ones after it are dead. */
export function checkWildcardLast(lists: readonly (readonly ErrorName[])[], where: string): void {
  const index = lists.findIndex((errors) => errors.includes('States.ALL'));
  if (index !== -1 && index !== lists.length - 1) throw new Error(`${where}: the States.ALL entry must be the last one`);
}
