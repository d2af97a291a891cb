import * as z from 'zod';
import { badRequest } from './responses';

type RawIssue = z.core.$ZodRawIssue;

const TYPE_NAMES: Record<string, string> = {
  int: 'an integer',
  object: 'an object',
  record: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
};

const UNITS: Record<string, readonly [string, string]> = { string: ['character', 'characters'], array: ['item', 'items'] };

/** `64 characters`, `1 item`, `300`: a limit with the unit its origin counts in. */
function amount(origin: string, limit: number | bigint): string {
  const unit = UNITS[origin];
  return unit ? `${limit} ${Number(limit) === 1 ? unit[0] : unit[1]}` : String(limit);
}

/**
 * What is wrong with a value, phrased to follow its field path: "is required", "must be an
 * integer", "must be at most 64 characters". Schemas with a sharper message of their own
 * (`{ error }` on the schema or refinement) override it.
 */
export function issueMessage(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small': {
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      const verb = issue.origin === 'array' ? 'have' : 'be';
      return `must ${verb} ${issue.inclusive === false ? 'more than' : 'at least'} ${amount(issue.origin, issue.minimum)}`;
    }
    case 'too_big': {
      const verb = issue.origin === 'array' ? 'have' : 'be';
      return `must ${verb} ${issue.inclusive === false ? 'less than' : 'at most'} ${amount(issue.origin, issue.maximum)}`;
    }
    case 'invalid_format':
      return 'has an invalid format';
    case 'invalid_value':
      return `must be one of ${issue.values.join(', ')}`;
    case 'invalid_union':
      return 'options' in issue && Array.isArray(issue.options)
        ? `must be one of ${issue.options.join(', ')}`
        : 'matches none of the accepted shapes';
    case 'unrecognized_keys':
      return `has unknown fields: ${issue.keys.join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return undefined;
  }
}

/** `payload.tags[3]`: the field an issue is about, named from the root of the value. */
export function fieldPath(path: readonly PropertyKey[], root: string): string {
  if (path.length === 0) return root;
  return path.reduce<string>((name, key, index) => {
    if (typeof key === 'number') return `${name}[${key}]`;
    return index === 0 ? String(key) : `${name}.${String(key)}`;
  }, '');
}

/** The BAD_REQUEST message for a rejected value: its first problem, with the field named. */
export function describeIssues(error: z.ZodError, root: string): string {
  const [issue] = error.issues;
  return `${fieldPath(issue.path, root)} ${issue.message}`;
}

export type Checked<T> = { readonly success: true; readonly data: T } | { readonly success: false; readonly message: string };

/**
 * Check untrusted input against its contract schema: the parsed value (defaults applied), or
 * the BAD_REQUEST message naming the field and what was expected.
 */
export function checkInput<S extends z.ZodType>(schema: S, value: unknown, root = 'event'): Checked<z.output<S>> {
  const result = schema.safeParse(value, { error: issueMessage });
  return result.success ? { success: true, data: result.data } : { success: false, message: describeIssues(result.error, root) };
}

/** `checkInput` for code that answers through `respond`: bad input throws BAD_REQUEST. Nothing past it checks shapes. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, root = 'event'): z.output<S> {
  const checked = checkInput(schema, value, root);
  if (!checked.success) throw badRequest(checked.message);
  return checked.data;
}
