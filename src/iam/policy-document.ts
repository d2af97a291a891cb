/**
 * IAM policy documents as typed data. Every policy in the stack goes through here so the
 * least-privilege rules are checked in one place (no wildcard actions, no `Resource "*"`
 * except for the few actions AWS cannot scope).
 */
export interface PolicyStatement {
  readonly sid?: string;
  readonly effect?: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** Only for resource policies (bucket policies); identity policies have no principal. */
  readonly principal?: '*' | { readonly [type: string]: string | readonly string[] };
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, string | readonly string[] | boolean>>>>;
}

/** Actions AWS does not let you scope to a resource, so `Resource "*"` is the only option. */
export const UNSCOPABLE_ACTIONS: ReadonlySet<string> = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'ecr:GetAuthorizationToken',
  'bedrock:ListInferenceProfiles',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  // The task token names the task; IAM has no resource for it (the token is the capability).
  'states:SendTaskSuccess',
  'states:SendTaskFailure',
]);

export function assertLeastPrivilege(statement: PolicyStatement): void {
  if (statement.actions.length === 0 || statement.resources.length === 0) {
    throw new Error(`Policy statement ${statement.sid ?? ''} needs at least one action and one resource.`);
  }
  // A wildcard in a Deny only widens the protection; in an Allow it is never least privilege.
  if ((statement.effect ?? 'Allow') === 'Deny') return;
  for (const action of statement.actions) {
    if (action === '*' || action.endsWith(':*')) {
      throw new Error(`Wildcard action "${action}" is not allowed; list the exact actions.`);
    }
  }
  if (statement.resources.includes('*')) {
    const scopable = statement.actions.filter((a) => !UNSCOPABLE_ACTIONS.has(a));
    if (scopable.length > 0) {
      throw new Error(`Resource "*" is only allowed for unscopable actions, not ${scopable.join(', ')}.`);
    }
  }
}

/** Render statements as an IAM JSON policy (tokens inside strings resolve at synth). */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  statements.forEach(assertLeastPrivilege);
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: statements.map((s) => ({
      ...(s.sid ? { Sid: s.sid } : {}),
      Effect: s.effect ?? 'Allow',
      ...(s.principal ? { Principal: s.principal } : {}),
      Action: s.actions.length === 1 ? s.actions[0] : [...s.actions],
      Resource: s.resources.length === 1 ? s.resources[0] : [...s.resources],
      ...(s.conditions ? { Condition: s.conditions } : {}),
    })),
  });
}

/** Trust policy for a service principal, limited to this account (confused-deputy protection). */
export function serviceTrustPolicy(service: string, accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
      },
    ],
  });
}

/** Trust policy for role chaining: only `roleArn` may assume the role. */
export function roleTrustPolicy(roleArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: roleArn }, Action: 'sts:AssumeRole' }],
  });
}

/** Deny any request to a bucket that does not use TLS. */
export function tlsOnlyBucketStatement(bucketArn: string): PolicyStatement {
  return {
    sid: 'DenyInsecureTransport',
    effect: 'Deny',
    principal: '*',
    actions: ['s3:*'],
    resources: [bucketArn, `${bucketArn}/*`],
    conditions: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}
