/**
 * A deliberately small IAM evaluator for the policies this construct writes: action and resource
 * globs, explicit Deny over Allow, and the condition operators used here (StringEquals,
 * ForAllValues:StringEquals). A key missing from the request fails StringEquals and passes
 * ForAllValues, as in IAM.
 */
export interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
}

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function glob(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(value);
}

function conditionsHold(condition: Statement['Condition'], context: Record<string, string | string[]>): boolean {
  for (const [operator, entries] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(entries)) {
      const actual = context[key];
      const allowed = list(expected);
      if (operator === 'StringEquals') {
        if (actual === undefined || !list(actual).every((v) => allowed.includes(v))) return false;
      } else if (operator === 'ForAllValues:StringEquals') {
        if (actual !== undefined && !list(actual).every((v) => allowed.includes(v))) return false;
      } else {
        throw new Error(`Condition operator ${operator} is not modelled`);
      }
    }
  }
  return true;
}

function matches(statement: Statement, request: Request): boolean {
  return (
    list(statement.Action).some((a) => glob(a, request.action)) &&
    list(statement.Resource).some((r) => glob(r, request.resource)) &&
    conditionsHold(statement.Condition, request.context ?? {})
  );
}

/** Whether a policy document allows the request (implicit deny when nothing matches). */
export function isAllowed(document: { Statement: Statement[] }, request: Request): boolean {
  const matching = document.Statement.filter((s) => matches(s, request));
  return matching.some((s) => s.Effect === 'Allow') && !matching.some((s) => s.Effect === 'Deny');
}
