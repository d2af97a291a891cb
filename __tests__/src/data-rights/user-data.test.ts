import type { InvokeBinding } from '../../../lambdas/shared/contract';
import { FableTables } from '../../../src/data/tables';
import { ArtifactsBucket } from '../../../src/data/artifacts-bucket';
import { UserData } from '../../../src/data-rights/user-data';
import { findResource, synthJson, testBundles, type StackJson } from '../../helpers/synth';
import { testStage } from '../../helpers/stage';

let json: StackJson;
const MEMORY_ARN = 'arn:aws:lambda:us-west-2:123456789012:function:fable-dev-memory';

beforeAll(async () => {
  const { stack, stage } = testStage({ bundles: await testBundles(['user-data']) });
  new FableTables(stack, 'tables');
  new ArtifactsBucket(stack, 'artifacts');
  // Memory belongs to another construct: its binding gives the name and an invoke grant.
  stage.provide<InvokeBinding>('function:memory', {
    resolveBinding: () => ({ value: 'fable-dev-memory', statements: [{ actions: ['lambda:InvokeFunction'], resources: [MEMORY_ARN] }] }),
  });
  new UserData(stack, 'data-rights');
  json = synthJson(stack);
});

const ref = (type: string, name: string, attribute: string) => {
  const [id] = Object.entries(json.resource[type]).find(([, r]) => r.name === name || r.bucket?.startsWith?.(name))!;
  return `\${${type}.${id}.${attribute}}`;
};
const table = (component: string, attribute = 'arn') => ref('aws_dynamodb_table', `fable-dev-${component}`, attribute);

describe('user-data', () => {
  const fn = () => findResource(json, 'aws_lambda_function', (f) => f.function_name === 'fable-dev-user-data');

  it('is an ESM nodejs24.x Lambda outside the VPC, with the time an erasure needs', () => {
    expect(fn()).toMatchObject({ runtime: 'nodejs24.x', architectures: ['arm64'], handler: 'index.handler', timeout: 120, memory_size: 512 });
    expect(fn().vpc_config).toBeUndefined();
  });

  it('gets the tables it reads and erases, the artifacts bucket, memory and the audit trail (DESIGN.md section 4)', () => {
    expect(fn().environment.variables).toEqual({
      STAGE: 'dev',
      LOG_LEVEL: 'DEBUG',
      CONNECTIONS_TABLE: table('connections', 'name'),
      CONVERSATIONS_TABLE: table('conversations', 'name'),
      BUILDS_TABLE: table('builds', 'name'),
      TOOLS_TABLE: table('tools', 'name'),
      ARTIFACTS_BUCKET: ref('aws_s3_bucket', 'fable-dev-artifacts', 'bucket'),
      MEMORY_FUNCTION_NAME: 'fable-dev-memory',
      AUDIT_TABLE: table('audit', 'name'),
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('may delete items, list and delete build files and exports, write exports, and only append to the audit trail', () => {
    const [roleId] = Object.entries(json.resource.aws_iam_role).find(([, r]) => r.name === 'fable-dev-user-data')!;
    const policy = findResource(json, 'aws_iam_role_policy', (p) => p.role === `\${aws_iam_role.${roleId}.id}`);
    const allowed = JSON.parse(policy.policy).Statement.filter((s: { Effect: string; Action: string | string[] }) => s.Effect === 'Allow' && ![s.Action].flat().some((a) => /^(logs|xray):/.test(a)));
    const bucket = ref('aws_s3_bucket', 'fable-dev-artifacts', 'arn');
    expect(allowed).toEqual([
      { Effect: 'Allow', Action: 'dynamodb:DeleteItem', Resource: table('connections') },
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${table('connections')}/index/userId-index` },
      { Effect: 'Allow', Action: ['dynamodb:DeleteItem', 'dynamodb:Query'], Resource: table('conversations') },
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${table('conversations')}/index/GSI1` },
      { Effect: 'Allow', Action: 'dynamodb:DeleteItem', Resource: table('builds') },
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${table('builds')}/index/GSI1` },
      { Effect: 'Allow', Action: ['dynamodb:Query', 'dynamodb:UpdateItem'], Resource: table('tools') },
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${table('tools')}/index/GSI1` },
      { Effect: 'Allow', Action: ['s3:DeleteObject', 's3:GetObject'], Resource: `${bucket}/builds/*` },
      { Effect: 'Allow', Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'], Resource: `${bucket}/exports/*` },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucket, Condition: { StringLike: { 's3:prefix': ['builds/*', 'exports/*'] } } },
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: MEMORY_ARN },
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: table('audit') },
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${table('audit')}/index/GSI1` },
    ]);
  });
});
