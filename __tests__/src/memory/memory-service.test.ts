import { FableVpc } from '../../../src/network/vpc';
import { SecurityGroups } from '../../../src/network/security-groups';
import { AuroraDatabase } from '../../../src/data/aurora';
import { MemoryService } from '../../../src/memory/memory-service';
import { FableTables } from '../../../src/data/tables';
import { migrationsFingerprint } from '../../../lambdas/shared/contract/migrations';
import type { LambdaBundles } from '../../../src/bundling/lambda-bundle';
import { findResource, resourcesOf, synthJson, testBundles, type StackJson } from '../../helpers/synth';
import { testStage } from '../../helpers/stage';

let json: StackJson;
let bundles: LambdaBundles;
let config: ReturnType<typeof testStage>['stage']['config'];

beforeAll(async () => {
  bundles = await testBundles(['memory', 'db-init']);
  const { stack, stage } = testStage({ bundles });
  config = stage.config;
  const vpc = new FableVpc(stack, 'network');
  const securityGroups = new SecurityGroups(stack, 'security-groups', { vpcId: vpc.vpc.id });
  const database = new AuroraDatabase(stack, 'database', {
    isolatedSubnetIds: vpc.isolatedSubnets.map((s) => s.id),
    securityGroupId: securityGroups.database.id,
  });
  // Memory records deletions in the audit trail.
  new FableTables(stack, 'tables');
  new MemoryService(stack, 'memory', { database, vpc, securityGroups });
  json = synthJson(stack);
});

const fn = (name: string) => findResource(json, 'aws_lambda_function', (f) => f.function_name === `fable-dev-${name}`);
/** `${aws_<type>.<id>.<attribute>}` of the single resource of a type matching `match`. */
const ref = (type: string, attribute: string, match: (r: Record<string, any>) => boolean = () => true) => {
  const [id] = Object.entries(json.resource[type]).find(([, r]) => match(r))!;
  return `\${${type}.${id}.${attribute}}`;
};
const clusterRef = (attribute: string) => ref('aws_rds_cluster', attribute);
const dataRef = (type: string, attribute: string) => `\${data.${type}.${Object.keys(json.data![type])[0]}.${attribute}}`;

function statements(name: string): { Action: string | string[]; Resource: string | string[] }[] {
  const roleId = ref('aws_iam_role', 'id', (r) => r.name === `fable-dev-${name}`);
  return JSON.parse(findResource(json, 'aws_iam_role_policy', (p) => p.role === roleId).policy).Statement;
}

/**
 * The grants beyond what every VPC Lambda gets (logs, X-Ray, ENI management) and the audit
 * trail's Deny every role carries (proven in roles-vs-code.test.ts).
 */
const ownStatements = (name: string) =>
  statements(name).filter((s) => ![s.Action].flat().every((a) => /^(logs|xray|ec2):/.test(a)) && (s as { Sid?: string }).Sid !== 'AuditTrailIsAppendOnly');
const auditRef = (attribute: string) => ref('aws_dynamodb_table', attribute, (t) => t.name === 'fable-dev-audit');

describe('MemoryService', () => {
  it('builds both functions from their CommonJS bundles on nodejs24.x', () => {
    for (const name of ['memory', 'db-init'] as const) {
      expect(bundles.get(name)!.format).toBe('cjs');
      expect(fn(name)).toMatchObject({
        handler: 'index.handler',
        runtime: 'nodejs24.x',
        architectures: ['arm64'],
        source_code_hash: bundles.get(name)!.sourceCodeHash,
      });
    }
    expect(fn('memory')).toMatchObject({ timeout: 30, memory_size: 512 });
    expect(fn('db-init')).toMatchObject({ timeout: 300 });
  });

  it('places both functions in the private subnets with the Lambda security group', () => {
    const privateSubnets = ['private-0', 'private-1'].map((name) => ref('aws_subnet', 'id', (s) => s.tags?.Name === `fable-dev-${name}`));
    const lambdaSg = ref('aws_security_group', 'id', (g) => g.name === 'fable-dev-lambda-sg');
    for (const name of ['memory', 'db-init']) {
      expect(fn(name).vpc_config).toEqual({ subnet_ids: privateSubnets, security_group_ids: [lambdaSg] });
    }
  });

  it('gives each function exactly its contract variables, with TLS verification on', () => {
    const connection = {
      DB_SECRET_ARN: clusterRef('master_user_secret[0].secret_arn'),
      DB_HOST: clusterRef('endpoint'),
      DB_PORT: '5432',
      DB_NAME: 'fable',
      DB_SSL: 'verify-full',
      NODE_OPTIONS: '--enable-source-maps',
    };
    expect(fn('memory').environment.variables).toEqual({
      ...connection,
      STAGE: 'dev',
      LOG_LEVEL: 'DEBUG',
      EMBEDDING_MODEL_ID: 'amazon.titan-embed-text-v2:0',
      EMBEDDING_DIMENSIONS: '1024',
      AUDIT_TABLE: auditRef('name'),
    });
    expect(fn('db-init').environment.variables).toEqual({ ...connection, STAGE: 'dev', LOG_LEVEL: 'DEBUG', EMBEDDING_DIMENSIONS: '1024' });
  });

  it('lets memory invoke only the embedding model, read only the database secret and append to the audit trail', () => {
    expect(ownStatements('memory')).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: clusterRef('master_user_secret[0].secret_arn') },
      {
        Effect: 'Allow',
        Action: 'bedrock:InvokeModel',
        Resource: `arn:${dataRef('aws_partition', 'partition')}:bedrock:${dataRef('aws_region', 'region')}::foundation-model/amazon.titan-embed-text-v2:0`,
      },
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: auditRef('arn') },
    ]);
  });

  it('lets db-init read only the database secret', () => {
    expect(ownStatements('db-init')).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: clusterRef('master_user_secret[0].secret_arn') },
    ]);
  });

  it('runs db-init migrate on deploy when the migrations change or the cluster is replaced, after the database and network exist', () => {
    const [invocation] = resourcesOf(json, 'aws_lambda_invocation');
    expect(invocation.function_name).toBe(ref('aws_lambda_function', 'function_name', (f) => f.function_name === 'fable-dev-db-init'));
    expect(JSON.parse(invocation.input)).toEqual({ action: 'migrate', failOnError: true });
    expect(invocation.triggers).toEqual({
      migrations: migrationsFingerprint(config.models.embeddingDimensions),
      cluster: clusterRef('cluster_resource_id'),
    });
    expect(invocation.lifecycle_scope).toBeUndefined();
    const dependsOn: string[] = invocation.depends_on;
    expect(dependsOn).toContain(ref('aws_rds_cluster_instance', 'id').replace(/^\$\{(.*)\.id\}$/, '$1'));
    const referenced = (type: string) => dependsOn.filter((d) => d.startsWith(`${type}.`)).sort();
    const idsOf = (type: string, match: (r: Record<string, any>) => boolean = () => true) =>
      Object.entries(json.resource[type])
        .filter(([, r]) => match(r))
        .map(([id]) => `${type}.${id}`)
        .sort();
    // The private subnets' way out (NAT, their routes and associations) and the Lambda <-> Aurora rules, nothing else.
    expect(referenced('aws_nat_gateway')).toEqual(idsOf('aws_nat_gateway'));
    expect(referenced('aws_route')).toEqual(idsOf('aws_route', (r) => r.nat_gateway_id !== undefined));
    expect(referenced('aws_route_table_association')).toEqual(idsOf('aws_route_table_association', (r) => r.subnet_id.includes('private')));
    expect(referenced('aws_vpc_security_group_ingress_rule')).toEqual(idsOf('aws_vpc_security_group_ingress_rule'));
    expect(referenced('aws_vpc_security_group_egress_rule')).toEqual(
      idsOf('aws_vpc_security_group_egress_rule', (r) => r.security_group_id.includes('lambda-sg')),
    );
  });

  it('changes the migration trigger with the embedding size (a different schema)', () => {
    expect(migrationsFingerprint(512)).not.toBe(migrationsFingerprint(1024));
    expect(migrationsFingerprint(1024)).toBe(migrationsFingerprint(1024));
  });
});
