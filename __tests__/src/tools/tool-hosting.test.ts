import { FableTables } from '../../../src/data/tables';
import { ArtifactsBucket } from '../../../src/data/artifacts-bucket';
import { FableRole } from '../../../src/iam/fable-role';
import { ToolHosting } from '../../../src/tools/tool-hosting';
import { findResource, policyDocuments, resourcesOf, synthJson, testBundles, type StackJson } from '../../helpers/synth';
import { testStage } from '../../helpers/stage';
import { decide, type IamRequest, type PolicyDocument } from '../../helpers/iam-simulator';

const ACCOUNT = '123456789012';
const MEMORY_ARN = `arn:aws:lambda:us-west-2:${ACCOUNT}:function:fable-dev-memory`;

/** Resolve the data-source tokens of ARNs so policies can be evaluated like IAM would see them. */
function resolveTokens(text: string): string {
  return text
    .replace(/\$\{data\.aws_partition\.[^}]+\.partition\}/g, 'aws')
    .replace(/\$\{data\.aws_region\.[^}]+\.region\}/g, 'us-west-2')
    .replace(/\$\{data\.aws_caller_identity\.[^}]+\.account_id\}/g, ACCOUNT);
}

const lambdaArn = (name: string) => `arn:aws:lambda:us-west-2:${ACCOUNT}:function:${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

/** The real IAM evaluator's answer for a policy on its own (role ARNs resolved the way AWS holds them). */
async function isAllowed(policy: PolicyDocument, request: IamRequest): Promise<boolean> {
  const resolve = (text: string) => text.replace(/\$\{aws_iam_role\.[\w-]+\.arn\}/g, (ref) => roleArn(roleNameOf(ref)));
  const resolved = JSON.parse(resolve(JSON.stringify(policy))) as PolicyDocument;
  return (await decide({ arn: roleArn('caller'), policies: [resolved] }, request)) === 'Allowed';
}

function roleNameOf(reference: string): string {
  const id = /aws_iam_role\.([\w-]+)\.arn/.exec(reference)![1];
  return json.resource.aws_iam_role[id].name;
}
const TOOL_PATTERN = lambdaArn('fable-dev-tool-*');

let json: StackJson;
let hosting: ToolHosting;

beforeAll(async () => {
  const { stack } = testStage({ bundles: await testBundles(['tool-deployer']) });
  new FableTables(stack, 'tables');
  new ArtifactsBucket(stack, 'artifacts');
  hosting = new ToolHosting(stack, 'tools');
  const chat = new FableRole(stack, 'chat-role', { name: 'fable-dev-chat', description: 'chat stand-in', service: 'lambda.amazonaws.com' });
  chat.addStatements(...hosting.invokeToolsStatements());
  json = JSON.parse(resolveTokens(JSON.stringify(synthJson(stack)))) as StackJson;
});

function roleId(name: string): string {
  const entry = Object.entries(json.resource.aws_iam_role).find(([, r]) => r.name === name);
  if (!entry) throw new Error(`no role ${name}`);
  return entry[0];
}

function rolePolicy(roleName: string): { Statement: any[] } {
  const id = roleId(roleName);
  const policy = findResource(json, 'aws_iam_role_policy', (p) => p.role === `\${aws_iam_role.${id}.id}`);
  return JSON.parse(policy.policy as string);
}

function boundaryPolicy(): { address: string; document: { Statement: any[] } } {
  const boundaries = policyDocuments(json).filter((d) => d.address.startsWith('aws_iam_policy.'));
  expect(boundaries).toHaveLength(1);
  return boundaries[0];
}

const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

describe('tool execution role', () => {
  it('is fable-dev-tool-execution, assumable only by Lambda in this account, with the boundary attached', () => {
    const id = roleId('fable-dev-tool-execution');
    const role = json.resource.aws_iam_role[id];
    const boundaryId = Object.keys(json.resource.aws_iam_policy)[0];
    expect(json.resource.aws_iam_policy[boundaryId].name).toBe('fable-dev-tool-boundary');
    expect(role.permissions_boundary).toBe(`\${aws_iam_policy.${boundaryId}.arn}`);
    expect(JSON.parse(role.assume_role_policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
        },
      ],
    });
  });

  it('may only write to tool log streams (never create groups) and trace: nothing of FABLE\'s, no artifacts', () => {
    const statements = rolePolicy('fable-dev-tool-execution').Statement;
    const allowed = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)).sort();
    expect(allowed).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    const resourcesOfAction = (action: string) => statements.filter((s) => s.Effect === 'Allow' && list(s.Action).includes(action)).flatMap((s) => list(s.Resource));
    expect(resourcesOfAction('logs:PutLogEvents')).toEqual([`arn:aws:logs:us-west-2:${ACCOUNT}:log-group:/aws/lambda/fable-dev-tool-*:log-stream:*`]);
  });

  it('has a boundary that allows exactly what the role policy allows, so nothing attached later can exceed it', () => {
    expect(boundaryPolicy().document).toEqual(rolePolicy('fable-dev-tool-execution'));
  });

  it.each<[string, boolean, IamRequest]>([
    ['invoke memory', false, { action: 'lambda:InvokeFunction', resource: MEMORY_ARN }],
    ['read a tool bundle', false, { action: 's3:GetObject', resource: 'arn:aws:s3:::fable-dev-artifacts-x/tools/a.zip' }],
    ['write its own logs', true, { action: 'logs:PutLogEvents', resource: `arn:aws:logs:us-west-2:${ACCOUNT}:log-group:/aws/lambda/fable-dev-tool-weather:log-stream:x` }],
    ['invoke another tool', false, { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-tool-other') }],
    ['invoke the deployer', false, { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-tool-deployer') }],
    ['write into the deployer log group', false, { action: 'logs:PutLogEvents', resource: `arn:aws:logs:us-west-2:${ACCOUNT}:log-group:/aws/lambda/fable-dev-tool-deployer:log-stream:x` }],
    ['write another Lambda log group', false, { action: 'logs:PutLogEvents', resource: `arn:aws:logs:us-west-2:${ACCOUNT}:log-group:/aws/lambda/fable-dev-chat:log-stream:x` }],
    ['write to the artifacts bucket', false, { action: 's3:PutObject', resource: 'arn:aws:s3:::fable-dev-artifacts-x/tools/a.zip' }],
    ['pass a role', false, { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/admin` }],
  ])('the boundary lets a tool %s: %s', async (_name, expected, request) => {
    expect(await isAllowed(boundaryPolicy().document, request)).toBe(expected);
  });
});

describe('tool-deployer', () => {
  const deployerPolicy = () => rolePolicy('fable-dev-tool-deployer');

  it('is an ESM nodejs24.x Lambda outside the VPC, with time for its waiters and the tool settings', () => {
    const fn = findResource(json, 'aws_lambda_function', (f) => f.function_name === 'fable-dev-tool-deployer');
    expect(fn).toMatchObject({ runtime: 'nodejs24.x', architectures: ['arm64'], handler: 'index.handler', timeout: 600 });
    expect(fn.vpc_config).toBeUndefined();
    const boundaryId = Object.keys(json.resource.aws_iam_policy)[0];
    expect(fn.environment.variables).toEqual({
      STAGE: 'dev',
      LOG_LEVEL: 'DEBUG',
      TOOLS_TABLE: expect.stringMatching(/^\$\{aws_dynamodb_table\.[^}]*tools[^}]*\.name\}$/),
      ARTIFACTS_BUCKET: expect.stringMatching(/^\$\{aws_s3_bucket\.[^}]+\.bucket\}$/),
      TOOL_ROLE_ARN: `\${aws_iam_role.${roleId('fable-dev-tool-execution')}.arn}`,
      TOOL_FUNCTION_PREFIX: 'fable-dev-tool-',
      TOOL_RUNTIME: 'nodejs24.x',
      TOOL_BOUNDARY_ARN: `\${aws_iam_policy.${boundaryId}.arn}`,
      TOOL_LOG_RETENTION_DAYS: '14',
      TOOL_RESERVED_CONCURRENCY: '5',
      AUDIT_TABLE: expect.stringMatching(/^\$\{aws_dynamodb_table\.[^}]*audit[^}]*\.name\}$/),
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('allows exactly the Lambda actions it calls, each only on fable-dev-tool-*', () => {
    const allows = deployerPolicy().Statement.filter((s) => s.Effect === 'Allow' && list(s.Action).some((a: string) => a.startsWith('lambda:')));
    for (const statement of allows) expect(list(statement.Resource)).toEqual([TOOL_PATTERN]);
    expect(allows.flatMap((s) => list(s.Action)).sort()).toEqual([
      'lambda:CreateAlias',
      'lambda:CreateFunction',
      'lambda:CreateFunctionUrlConfig',
      'lambda:DeleteFunction',
      'lambda:DeleteFunctionUrlConfig',
      'lambda:GetFunction',
      'lambda:GetFunctionUrlConfig',
      'lambda:ListTags',
      'lambda:PublishVersion',
      'lambda:PutFunctionConcurrency',
      'lambda:TagResource',
      'lambda:UpdateAlias',
      'lambda:UpdateFunctionCode',
      'lambda:UpdateFunctionConfiguration',
      'lambda:UpdateFunctionUrlConfig',
    ]);
  });

  it('conditions Function URL creation and update on AWS_IAM auth', () => {
    const urlStatements = deployerPolicy().Statement.filter((s) =>
      list(s.Action).some((a: string) => a === 'lambda:CreateFunctionUrlConfig' || a === 'lambda:UpdateFunctionUrlConfig'),
    );
    expect(urlStatements).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['lambda:CreateFunctionUrlConfig', 'lambda:UpdateFunctionUrlConfig'],
        Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
      }),
    ]);
  });

  it('passes only the tool execution role, and only to Lambda', () => {
    const passRole = deployerPolicy().Statement.filter((s) => list(s.Action).some((a: string) => a.startsWith('iam:')));
    expect(passRole).toEqual([
      {
        Sid: 'PassOnlyTheToolExecutionRole',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: `\${aws_iam_role.${roleId('fable-dev-tool-execution')}.arn}`,
        Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
      },
    ]);
  });

  it('reads and writes only the tools table, appends to the audit trail, and reads only tool bundles', () => {
    const statements = deployerPolicy().Statement;
    const dynamo = statements.filter((s) => s.Effect === 'Allow' && list(s.Action).some((a: string) => a.startsWith('dynamodb:')));
    // Item actions and Query (a tool's version history) on the table, Query on the org index; PutItem on the audit trail.
    expect(dynamo).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        Resource: expect.stringMatching(/^\$\{aws_dynamodb_table\.[^}]*tools[^}]*\.arn\}$/),
      },
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: expect.stringMatching(/^\$\{aws_dynamodb_table\.[^}]*tools[^}]*\.arn\}\/index\/GSI1$/) },
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: expect.stringMatching(/^\$\{aws_dynamodb_table\.[^}]*audit[^}]*\.arn\}$/) },
    ]);
    const s3 = statements.filter((s) => list(s.Action).some((a: string) => a.startsWith('s3:')));
    expect(s3).toEqual([{ Effect: 'Allow', Action: 's3:GetObject', Resource: expect.stringMatching(/\.arn\}\/tools\/\*$/) }]);
  });

  const TOOL = lambdaArn('fable-dev-tool-weather');
  const OWN_TAGS = { 'aws:RequestTag/fable:stage': 'dev', 'aws:TagKeys': ['fable:stage', 'fable:org', 'fable:tool'] };
  it.each<[string, boolean, IamRequest]>([
    ['create a tagged tool function', true, { action: 'lambda:CreateFunction', resource: TOOL, context: OWN_TAGS }],
    ['create an untagged function', false, { action: 'lambda:CreateFunction', resource: TOOL }],
    ['create a function tagged for prod', false, { action: 'lambda:CreateFunction', resource: TOOL, context: { ...OWN_TAGS, 'aws:RequestTag/fable:stage': 'prod' } }],
    ['add foreign tag keys', false, { action: 'lambda:TagResource', resource: TOOL, context: { ...OWN_TAGS, 'aws:TagKeys': ['fable:stage', 'Owner'] } }],
    ['create a function outside the prefix', false, { action: 'lambda:CreateFunction', resource: lambdaArn('fable-dev-chat'), context: OWN_TAGS }],
    ['create an AWS_IAM Function URL', true, { action: 'lambda:CreateFunctionUrlConfig', resource: TOOL, context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } }],
    ['create a public (NONE) Function URL', false, { action: 'lambda:CreateFunctionUrlConfig', resource: TOOL, context: { 'lambda:FunctionUrlAuthType': 'NONE' } }],
    ['open an existing URL to NONE', false, { action: 'lambda:UpdateFunctionUrlConfig', resource: TOOL, context: { 'lambda:FunctionUrlAuthType': 'NONE' } }],
    ['add a resource policy (AddPermission)', false, { action: 'lambda:AddPermission', resource: TOOL }],
    ['update a tool function', true, { action: 'lambda:UpdateFunctionCode', resource: TOOL }],
    ['update its own code', false, { action: 'lambda:UpdateFunctionCode', resource: lambdaArn('fable-dev-tool-deployer') }],
    ['delete itself', false, { action: 'lambda:DeleteFunction', resource: lambdaArn('fable-dev-tool-deployer') }],
    ['update another FABLE Lambda', false, { action: 'lambda:UpdateFunctionCode', resource: lambdaArn('fable-dev-chat') }],
    ['update a prod tool', false, { action: 'lambda:UpdateFunctionCode', resource: lambdaArn('fable-prod-tool-weather') }],
    ['invoke a tool', false, { action: 'lambda:InvokeFunction', resource: TOOL }],
    ['pass the execution role to Lambda', true, { action: 'iam:PassRole', resource: roleArn('fable-dev-tool-execution'), context: { 'iam:PassedToService': 'lambda.amazonaws.com' } }],
    ['pass the execution role to EC2', false, { action: 'iam:PassRole', resource: roleArn('fable-dev-tool-execution'), context: { 'iam:PassedToService': 'ec2.amazonaws.com' } }],
    ['pass its own role', false, { action: 'iam:PassRole', resource: roleArn('fable-dev-tool-deployer'), context: { 'iam:PassedToService': 'lambda.amazonaws.com' } }],
    ['create a tool log group', true, { action: 'logs:CreateLogGroup', resource: `arn:aws:logs:us-west-2:${ACCOUNT}:log-group:/aws/lambda/fable-dev-tool-weather` }],
    ['set a tool log group retention', true, { action: 'logs:PutRetentionPolicy', resource: `arn:aws:logs:us-west-2:${ACCOUNT}:log-group:/aws/lambda/fable-dev-tool-weather` }],
    ['change its own log group retention', false, { action: 'logs:PutRetentionPolicy', resource: `arn:aws:logs:us-west-2:${ACCOUNT}:log-group:/aws/lambda/fable-dev-tool-deployer` }],
    ['create another Lambda log group', false, { action: 'logs:CreateLogGroup', resource: `arn:aws:logs:us-west-2:${ACCOUNT}:log-group:/aws/lambda/fable-dev-chat` }],
  ])('the deployer may %s: %s', async (_name, expected, request) => {
    expect(await isAllowed(deployerPolicy(), request)).toBe(expected);
  });
});

describe('invokeToolsStatements', () => {
  it('lets a role invoke tools and never the deployer', async () => {
    const policy = rolePolicy('fable-dev-chat');
    expect(await isAllowed(policy, { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-tool-weather') })).toBe(true);
    expect(await isAllowed(policy, { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-tool-deployer') })).toBe(false);
    expect(await isAllowed(policy, { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-memory') })).toBe(false);
    const allowed = policy.Statement.filter((s) => s.Effect === 'Allow');
    expect(allowed).toEqual([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: TOOL_PATTERN }]);
  });

  it('exposes the prefix every tool function starts with', () => {
    expect(hosting.functionPrefix).toBe('fable-dev-tool-');
    expect(resourcesOf(json, 'aws_lambda_function')).toHaveLength(1);
  });
});
