import { UNSCOPABLE_ACTIONS } from '../../src/iam/policy-document';
import { API_GATEWAY_LOGGING_POLICY } from '../../src/api/api-gateway-logging';
import { policyDocuments, resourcesOf, synthApp, type StackJson } from '../helpers/synth';

interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
}

interface Located {
  readonly where: string;
  readonly statement: Statement;
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every Allow statement of every policy document in the synthesized stacks, with where it lives. */
function allowStatements(stacks: Record<string, StackJson>): Located[] {
  return Object.entries(stacks).flatMap(([stackId, stack]) =>
    policyDocuments(stack).flatMap(({ address, document }) =>
      list<Statement>(document.Statement)
        .filter((statement) => statement.Effect === 'Allow')
        .map((statement) => ({ where: `${stackId} ${address}`, statement })),
    ),
  );
}

/** Allow statements with a wildcard action (`*`, `service:*`) or an inverted NotAction / NotResource. */
function wildcardOffenders(statements: readonly Located[]): string[] {
  return statements
    .filter(
      ({ statement }) =>
        list(statement.Action).some((action) => action === '*' || action.endsWith(':*')) ||
        statement.NotAction !== undefined ||
        statement.NotResource !== undefined,
    )
    .map(({ where, statement }) => `${where}: ${JSON.stringify(statement)}`);
}

/** Scopable actions allowed on `Resource "*"`. */
function unscopedOffenders(statements: readonly Located[]): string[] {
  return statements
    .filter(({ statement }) => list(statement.Resource).includes('*'))
    .flatMap(({ where, statement }) =>
      list(statement.Action)
        .filter((action) => !UNSCOPABLE_ACTIONS.has(action))
        .map((action) => `${where}: ${action} on "*"`),
    );
}

let statements: Located[];
let stacks: Record<string, StackJson>;

beforeAll(async () => {
  stacks = await synthApp(['dev', 'prod']);
  statements = allowStatements(stacks);
});


describe('IAM least privilege across every synthesized stack (bootstrap, dev, prod)', () => {
  it('flags the mistakes it looks for (so a clean result means something)', () => {
    const bad: Located[] = [
      { where: 'a', statement: { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' } },
      { where: 'b', statement: { Effect: 'Allow', Action: ['dynamodb:GetItem', 'xray:PutTraceSegments'], Resource: '*' } },
      { where: 'c', statement: { Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::b' } },
      { where: 'd', statement: { Effect: 'Allow', Action: 'xray:PutTraceSegments', Resource: '*' } },
    ];
    expect(wildcardOffenders(bad).map((o) => o[0])).toEqual(['a', 'c']);
    expect(unscopedOffenders(bad)).toEqual(['b: dynamodb:GetItem on "*"']);
  });

  it('has the role policies of every stage stack to check', () => {
    const withAllows = new Set(statements.map(({ where }) => where.split(' ')[0]));
    expect(withAllows).toEqual(new Set(['fable-dev', 'fable-prod']));
  });

  it('attaches exactly one AWS managed policy anywhere: the one API Gateway requires of its account-wide logging role', () => {
    const attachments = Object.entries(stacks).flatMap(([id, stack]) =>
      resourcesOf(stack, 'aws_iam_role_policy_attachment').map((a) => `${id} ${String(a.policy_arn).replace(/^arn:[^:]+:/, 'arn:*:')}`),
    );
    expect(attachments).toEqual([`fable-bootstrap arn:*:iam::aws:policy/${API_GATEWAY_LOGGING_POLICY}`]);
  });

  it('allows no wildcard actions and no NotAction / NotResource', () => {
    expect(wildcardOffenders(statements)).toEqual([]);
  });

  it('uses Resource "*" only for actions AWS cannot scope', () => {
    expect(unscopedOffenders(statements)).toEqual([]);
  });
});
