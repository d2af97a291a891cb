/** What a check found: one line, plus the fix when something is wrong. */
export type Status = 'PASS' | 'WARN' | 'FAIL' | 'SKIP';

export interface CheckResult {
  readonly status: Status;
  readonly name: string;
  readonly detail: string;
  /** What to do about a WARN or FAIL, one step per entry. */
  readonly fix: readonly string[];
}

export const pass = (name: string, detail: string): CheckResult => ({ status: 'PASS', name, detail, fix: [] });
export const warn = (name: string, detail: string, fix: readonly string[]): CheckResult => ({ status: 'WARN', name, detail, fix });
export const fail = (name: string, detail: string, fix: readonly string[]): CheckResult => ({ status: 'FAIL', name, detail, fix });
/** A check that could not run because an earlier one failed (that one carries the fix). */
export const skip = (name: string, detail: string): CheckResult => ({ status: 'SKIP', name, detail, fix: [] });

/** `Name: message` of an SDK error, for a result line. */
export function awsErrorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message && error.message !== error.name ? `${error.name}: ${error.message}` : error.name;
}

/** The HTTP status of an SDK error (HeadBucket errors carry no body, only a status). */
export function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

export function firstLine(text: string): string {
  return text.trim().split('\n')[0];
}
