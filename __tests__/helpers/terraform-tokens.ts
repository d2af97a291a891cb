/**
 * Resolves the Terraform expressions in synthesized strings (`${aws_x.id.attr}`) to realistic
 * fake values, so a synthesized definition, environment or policy can be validated, executed
 * and evaluated offline, as AWS would see it after apply.
 */
import type { StackJson } from './synth';

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
  'data.aws_region.name': () => FAKE_REGION,
  'aws_lambda_function.arn': (r) => arn('lambda', `function:${r.function_name}`),
  'aws_ecs_cluster.arn': (r) => arn('ecs', `cluster/${r.name}`),
  'aws_ecs_task_definition.arn': (r) => arn('ecs', `task-definition/${r.family}:1`),
  'aws_sfn_state_machine.arn': (r) => arn('states', `stateMachine:${r.name}`),
  'aws_iam_role.arn': (r) => `arn:aws:iam::${FAKE_ACCOUNT}:role/${r.name}`,
  'aws_iam_role.id': (r) => r.name,
  'aws_iam_policy.arn': (r) => `arn:aws:iam::${FAKE_ACCOUNT}:policy/${r.name}`,
  'aws_s3_bucket.arn': (r) => `arn:aws:s3:::${r.bucket}`,
  'aws_cloudwatch_log_group.arn': (r) => arn('logs', `log-group:${r.name}`),
  'aws_dynamodb_table.arn': (r) => arn('dynamodb', `table/${r.name}`),
  'aws_sqs_queue.arn': (r) => arn('sqs', r.name),
  'aws_sns_topic.arn': (r) => arn('sns', r.name),
  'aws_kms_key.arn': (_r, id) => arn('kms', `key/${fakeHex(id)}`),
  'aws_subnet.id': (_r, id) => `subnet-${fakeHex(id)}`,
  'aws_security_group.id': (_r, id) => `sg-${fakeHex(id)}`,
  'aws_ecr_repository.repository_url': (r) => `${FAKE_ACCOUNT}.dkr.ecr.${FAKE_REGION}.amazonaws.com/${r.name}`,
  'aws_ecr_repository.arn': (r) => arn('ecr', `repository/${r.name}`),
  'aws_apigatewayv2_api.id': (_r, id) => fakeHex(id).slice(0, 10),
  'aws_apigatewayv2_api.execution_arn': (_r, id) => arn('execute-api', fakeHex(id).slice(0, 10)),
  'aws_cognito_user_pool.id': (_r, id) => `${FAKE_REGION}_${fakeHex(id).slice(0, 9)}`,
  'aws_cognito_user_pool_client.id': (_r, id) => fakeHex(`${id}-client`).padEnd(26, 'a'),
  'aws_rds_cluster.endpoint': (r) => `${r.cluster_identifier}.cluster-c0ffee.${FAKE_REGION}.rds.amazonaws.com`,
  'aws_rds_cluster.cluster_resource_id': (_r, id) => `cluster-${fakeHex(id).toUpperCase()}`,
  'aws_rds_cluster.master_user_secret[0].secret_arn': (r) => arn('secretsmanager', `secret:rds!cluster-${r.cluster_identifier}-AbCdEf`),
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

/** A whole value (string, list, object) with every reference in it resolved. */
export function resolveValue<T>(json: StackJson, value: T): T {
  return JSON.parse(resolveTokens(json, JSON.stringify(value))) as T;
}

const REFERENCE = /^(data\.)?([a-z0-9_]+)\.([\w-]+)\.(.+)$/;

function resolveExpression(json: StackJson, expression: string): string {
  const match = REFERENCE.exec(expression);
  if (!match) throw new Error(`Cannot resolve \${${expression}}`);
  const [, data, type, id, attribute] = match;
  const resource = (data ? json.data?.[type] : json.resource[type])?.[id];
  if (!resource) throw new Error(`\${${expression}} refers to a missing resource`);
  const computed = COMPUTED[`${data ? 'data.' : ''}${type}.${attribute}`];
  const resolvedResource = new Proxy(resource, {
    get: (target, key: string) => (typeof target[key] === 'string' ? resolveTokens(json, target[key]) : target[key]),
  });
  if (computed) return computed(resolvedResource, id);
  const literal = resource[attribute];
  if (typeof literal === 'string') return resolveTokens(json, literal);
  if (typeof literal === 'number' || typeof literal === 'boolean') return String(literal);
  throw new Error(`No fake value for \${${expression}}`);
}
