/**
 * Resolves the Terraform expressions in synthesized strings (`${aws_x.id.attr}`) to realistic
 * fake values, so a synthesized definition can be validated and executed offline.
 */
import type { StackJson } from '../../helpers/synth';

export const FAKE_ACCOUNT = '123456789012';
export const FAKE_REGION = 'us-west-2';

type Resolver = (resource: Record<string, any>, id: string) => string;

const arn = (service: string, resource: string) => `arn:aws:${service}:${FAKE_REGION}:${FAKE_ACCOUNT}:${resource}`;

/** Computed attributes (known only after apply), faked the way AWS forms them. */
const COMPUTED: Record<string, Resolver> = {
  'data.aws_partition.partition': () => 'aws',
  'data.aws_partition.dns_suffix': () => 'amazonaws.com',
  'data.aws_caller_identity.account_id': () => FAKE_ACCOUNT,
  'data.aws_region.region': () => FAKE_REGION,
  'aws_lambda_function.arn': (r) => arn('lambda', `function:${r.function_name}`),
  'aws_ecs_cluster.arn': (r) => arn('ecs', `cluster/${r.name}`),
  'aws_ecs_task_definition.arn': (r) => arn('ecs', `task-definition/${r.family}:1`),
  'aws_sfn_state_machine.arn': (r) => arn('states', `stateMachine:${r.name}`),
  'aws_iam_role.arn': (r) => `arn:aws:iam::${FAKE_ACCOUNT}:role/${r.name}`,
  'aws_s3_bucket.arn': (r) => `arn:aws:s3:::${r.bucket}`,
  'aws_cloudwatch_log_group.arn': (r) => arn('logs', `log-group:${r.name}`),
  'aws_dynamodb_table.arn': (r) => arn('dynamodb', `table/${r.name}`),
  'aws_subnet.id': (_r, id) => `subnet-${fakeHex(id)}`,
  'aws_security_group.id': (_r, id) => `sg-${fakeHex(id)}`,
  'aws_ecr_repository.repository_url': (r) => `${FAKE_ACCOUNT}.dkr.ecr.${FAKE_REGION}.amazonaws.com/${r.name}`,
};

function fakeHex(id: string): string {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return hash.toString(16).padStart(8, '0') + '0'.repeat(9);
}

/** Replace every `${...}` reference in `text`; an expression it cannot resolve is an error. */
export function resolveTokens(json: StackJson, text: string): string {
  return text.replace(/\$\{([^{}]+)\}/g, (_match, expression: string) => resolveExpression(json, expression.trim()));
}

function resolveExpression(json: StackJson, expression: string): string {
  const parts = expression.split('.');
  const isData = parts[0] === 'data';
  const [type, id, attribute] = isData ? parts.slice(1) : parts;
  if (!type || !id || !attribute || parts.length !== (isData ? 4 : 3)) throw new Error(`Cannot resolve \${${expression}}`);
  const resource = (isData ? json.data?.[type] : json.resource[type])?.[id];
  if (!resource) throw new Error(`\${${expression}} refers to a missing resource`);
  const computed = COMPUTED[`${isData ? 'data.' : ''}${type}.${attribute}`];
  const literal = resource[attribute];
  const resolvedResource = new Proxy(resource, {
    get: (target, key: string) => (typeof target[key] === 'string' ? resolveTokens(json, target[key]) : target[key]),
  });
  if (computed) return computed(resolvedResource, id);
  if (typeof literal === 'string') return resolveTokens(json, literal);
  throw new Error(`No fake value for \${${expression}}`);
}
