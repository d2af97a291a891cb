import { REVIEW_ONLY_MESSAGE } from '../../src/stacks/backend';
import { LAMBDA_NAMES } from '../../lambdas/shared/contract';
import { stageConfig } from '../../src/config';
import { findResource, resourcesOf, synthApp, TEST_STATE_BUCKET, type StackJson } from '../helpers/synth';

let dev: StackJson;
let prod: StackJson;

beforeAll(async () => {
  const stacks = await synthApp(['dev', 'prod']);
  dev = stacks['fable-dev'];
  prod = stacks['fable-prod'];
});

const byStage = () => [
  ['dev', dev],
  ['prod', prod],
] as const;

describe('state backend and provider', () => {
  it.each(['dev', 'prod'])('keeps %s state in S3 under fable/<stage>/ with encryption and S3-native locking', (stage) => {
    const stack = stage === 'dev' ? dev : prod;
    expect(stack.terraform.backend.s3).toEqual({
      bucket: TEST_STATE_BUCKET,
      key: `fable/${stage}/terraform.tfstate`,
      region: 'us-west-2',
      encrypt: true,
      use_lockfile: true,
    });
  });

  it('takes the state bucket from FABLE_STATE_BUCKET', async () => {
    const stacks = await synthApp(['dev'], { FABLE_STATE_BUCKET: 'acme-tfstate' });
    expect(stacks['fable-dev'].terraform.backend.s3.bucket).toBe('acme-tfstate');
    expect(resourcesOf(stacks['fable-bootstrap'], 'aws_s3_bucket')[0].bucket).toBe('acme-tfstate');
  });

  it('without FABLE_STATE_BUCKET, keeps state local and refuses every plan (no silent default bucket)', async () => {
    const stacks = await synthApp(['dev'], {});
    for (const id of ['fable-dev', 'fable-bootstrap']) {
      const stack = stacks[id];
      expect(stack.terraform.backend).toEqual({ local: { path: `../../../terraform.${id}.tfstate` } });
      const guard = stack.output!['review-only'] as { precondition?: unknown };
      expect(guard.precondition).toEqual([{ condition: expect.stringMatching(/^\$\{local\.[\w-]+\}$/), error_message: REVIEW_ONLY_MESSAGE }]);
      expect(Object.values(stack.locals ?? {})).toEqual([false]);
    }
    expect(JSON.stringify(stacks)).not.toContain('fable-terraform-state');
  });

  it('tags every resource through the provider default tags', () => {
    for (const [stage, stack] of byStage()) {
      expect(stack.provider!.aws[0].default_tags).toEqual([{ tags: { Project: 'FABLE', Stage: stage, ManagedBy: 'cdktf' } }]);
      expect(stack.provider!.aws[0].region).toBe('us-west-2');
    }
  });

  it('reads account, region, partition and AZs from data sources', () => {
    expect(Object.keys(dev.data!).sort()).toEqual(
      expect.arrayContaining(['aws_availability_zones', 'aws_caller_identity', 'aws_partition', 'aws_region']),
    );
    expect(JSON.stringify(dev)).not.toMatch(/\b\d{12}\b/);
  });
});

describe('Lambda telemetry settings', () => {
  it.each(['dev', 'prod'])('every %s Lambda logs JSON filtered at the stage’s level, the level and stage its Logger and metrics are given', (stage) => {
    const stack = stage === 'dev' ? dev : prod;
    const { logLevel } = stageConfig(stage);
    const functions = resourcesOf(stack, 'aws_lambda_function');
    expect(functions.map((fn) => fn.function_name).sort()).toEqual(LAMBDA_NAMES.map((name) => `fable-${stage}-${name}`).sort());
    for (const fn of functions) {
      expect(fn.logging_config).toMatchObject({ log_format: 'JSON', application_log_level: logLevel });
      expect(fn.environment.variables).toMatchObject({ STAGE: stage, LOG_LEVEL: logLevel });
      expect(fn.tracing_config).toEqual({ mode: 'Active' });
    }
  });
});

describe('network', () => {
  it('creates a 10.0.0.0/16 VPC with DNS support', () => {
    expect(resourcesOf(dev, 'aws_vpc')).toEqual([
      expect.objectContaining({ cidr_block: '10.0.0.0/16', enable_dns_hostnames: true, enable_dns_support: true }),
    ]);
  });

  it('spreads public, private and isolated subnets over two AZs without public IPs', () => {
    const subnets = resourcesOf(dev, 'aws_subnet');
    expect(subnets).toHaveLength(6);
    for (const tier of ['public', 'private', 'isolated']) {
      const tierSubnets = subnets.filter((s) => s.tags.Tier === tier);
      expect(tierSubnets).toHaveLength(2);
      expect(new Set(tierSubnets.map((s) => s.availability_zone)).size).toBe(2);
    }
    expect(subnets.every((s) => s.map_public_ip_on_launch === false)).toBe(true);
  });

  it('runs one NAT gateway in dev and one per AZ in prod, each with an EIP', () => {
    expect(resourcesOf(dev, 'aws_nat_gateway')).toHaveLength(1);
    expect(resourcesOf(dev, 'aws_eip')).toHaveLength(1);
    expect(resourcesOf(prod, 'aws_nat_gateway')).toHaveLength(2);
    expect(resourcesOf(prod, 'aws_eip')).toHaveLength(2);
    expect(resourcesOf(prod, 'aws_eip').every((e) => e.domain === 'vpc')).toBe(true);
  });

  it('routes each private subnet through a NAT gateway (its own AZ in prod)', () => {
    const natRoutes = (stack: StackJson) => resourcesOf(stack, 'aws_route').filter((r) => r.nat_gateway_id);
    expect(natRoutes(dev)).toHaveLength(2);
    expect(new Set(natRoutes(dev).map((r) => r.nat_gateway_id)).size).toBe(1);
    expect(new Set(natRoutes(prod).map((r) => r.nat_gateway_id)).size).toBe(2);
  });

  it('adds free S3 and DynamoDB gateway endpoints on the private route tables', () => {
    const endpoints = resourcesOf(dev, 'aws_vpc_endpoint');
    expect(endpoints.map((e) => e.service_name.split('.').pop()).sort()).toEqual(['dynamodb', 's3']);
    for (const e of endpoints) {
      expect(e.vpc_endpoint_type).toBe('Gateway');
      expect(e.route_table_ids).toHaveLength(2);
    }
  });

  it('lets memory reach the audit table from the VPC: its subnets route through the DynamoDB gateway endpoint', () => {
    const memory = findResource(dev, 'aws_lambda_function', (f) => f.function_name === 'fable-dev-memory');
    const subnetIds: string[] = memory.vpc_config.subnet_ids;
    const routeTables = resourcesOf(dev, 'aws_route_table_association')
      .filter((association) => subnetIds.includes(association.subnet_id))
      .map((association) => association.route_table_id);
    expect(routeTables).toHaveLength(subnetIds.length);
    const dynamodb = resourcesOf(dev, 'aws_vpc_endpoint').find((e) => e.service_name.endsWith('.dynamodb'))!;
    expect(dynamodb.route_table_ids).toEqual(expect.arrayContaining(routeTables));
  });

  it('takes over the default security group with no rules', () => {
    expect(resourcesOf(dev, 'aws_default_security_group')).toEqual([
      expect.objectContaining({ ingress: [], egress: [] }),
    ]);
  });

  it('has lambda, db and build security groups, every group and rule described', () => {
    const groups = resourcesOf(dev, 'aws_security_group');
    expect(groups.map((g) => g.name).sort()).toEqual(['fable-dev-build-sg', 'fable-dev-db-sg', 'fable-dev-lambda-sg']);
    for (const g of groups) expect(g.description).toMatch(/\w{5,}/);
    const rules = [...resourcesOf(dev, 'aws_vpc_security_group_ingress_rule'), ...resourcesOf(dev, 'aws_vpc_security_group_egress_rule')];
    for (const r of rules) expect(r.description).toMatch(/\w{5,}/);
  });

  it('lets only the lambda security group reach PostgreSQL, and only on 5432', () => {
    const ingress = resourcesOf(dev, 'aws_vpc_security_group_ingress_rule');
    expect(ingress).toEqual([
      expect.objectContaining({
        from_port: 5432,
        to_port: 5432,
        ip_protocol: 'tcp',
        referenced_security_group_id: expect.stringContaining('lambda-sg'),
        security_group_id: expect.stringContaining('db-sg'),
      }),
    ]);
    expect(ingress[0].cidr_ipv4).toBeUndefined();
  });

  it('lets build tasks out on 443 only', () => {
    const egress = resourcesOf(dev, 'aws_vpc_security_group_egress_rule').filter((r) => r.security_group_id.includes('build-sg'));
    expect(egress).toEqual([expect.objectContaining({ from_port: 443, to_port: 443, ip_protocol: 'tcp' })]);
  });
});

describe('Aurora PostgreSQL Serverless v2', () => {
  it('has a serverless writer in the isolated subnets, private and encrypted, no password in Terraform', () => {
    for (const [, stack] of byStage()) {
      const cluster = resourcesOf(stack, 'aws_rds_cluster')[0];
      expect(cluster).toMatchObject({
        engine: 'aurora-postgresql',
        engine_mode: 'provisioned',
        database_name: 'fable',
        manage_master_user_password: true,
        storage_encrypted: true,
        iam_database_authentication_enabled: true,
        copy_tags_to_snapshot: true,
        enabled_cloudwatch_logs_exports: ['postgresql'],
      });
      expect(cluster.master_password).toBeUndefined();
      expect(cluster.backup_retention_period).toBeGreaterThanOrEqual(7);
      const writer = resourcesOf(stack, 'aws_rds_cluster_instance')[0];
      expect(writer).toMatchObject({ instance_class: 'db.serverless', publicly_accessible: false, ca_cert_identifier: 'rds-ca-rsa2048-g1' });
      const subnetGroup = resourcesOf(stack, 'aws_db_subnet_group')[0];
      expect(subnetGroup.subnet_ids.every((id: string) => id.includes('isolated'))).toBe(true);
    }
  });

  it('starts on the PostgreSQL 16 long-term-support minor and never plans a downgrade after an AWS minor upgrade', () => {
    for (const [, stack] of byStage()) {
      const cluster = resourcesOf(stack, 'aws_rds_cluster')[0];
      const writer = resourcesOf(stack, 'aws_rds_cluster_instance')[0];
      expect(cluster.engine_version).toBe('16.8');
      expect(cluster.lifecycle).toEqual({ ignore_changes: ['engine_version'] });
      expect(writer.lifecycle).toEqual({ ignore_changes: ['engine_version'] });
      expect(writer.auto_minor_version_upgrade).toBe(true);
    }
  });

  it('exports postgresql logs into a group Terraform created first, with retention', () => {
    for (const [stage, stack] of byStage()) {
      const name = `/aws/rds/cluster/fable-${stage}-aurora/postgresql`;
      const group = findResource(stack, 'aws_cloudwatch_log_group', (g) => g.name === name);
      expect(group.retention_in_days).toBe(stage === 'dev' ? 14 : 90);
      const cluster = resourcesOf(stack, 'aws_rds_cluster')[0];
      expect(cluster.depends_on).toEqual([expect.stringMatching(/^aws_cloudwatch_log_group\.database_postgresql-logs/)]);
    }
  });

  it('pauses at 0 ACU in dev and keeps 0.5 ACU, deletion protection and a final snapshot in prod', () => {
    const devCluster = resourcesOf(dev, 'aws_rds_cluster')[0];
    expect(devCluster.serverlessv2_scaling_configuration).toMatchObject({ min_capacity: 0, seconds_until_auto_pause: 900 });
    expect(devCluster).toMatchObject({ deletion_protection: false, skip_final_snapshot: true });
    const prodCluster = resourcesOf(prod, 'aws_rds_cluster')[0];
    expect(prodCluster.serverlessv2_scaling_configuration.min_capacity).toBe(0.5);
    expect(prodCluster.serverlessv2_scaling_configuration.seconds_until_auto_pause).toBeUndefined();
    expect(prodCluster).toMatchObject({
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: 'fable-prod-aurora-final',
    });
  });
});

describe('DynamoDB tables', () => {
  const table = (stack: StackJson, name: string) => findResource(stack, 'aws_dynamodb_table', (t) => t.name === name);

  it('creates the six tables on demand with the keys of DESIGN.md section 5', () => {
    expect(table(dev, 'fable-dev-connections')).toMatchObject({
      billing_mode: 'PAY_PER_REQUEST',
      hash_key: 'connectionId',
      global_secondary_index: [{ name: 'userId-index', hash_key: 'userId', projection_type: 'ALL' }],
      ttl: { attribute_name: 'ttl', enabled: true },
    });
    expect(table(dev, 'fable-dev-connections').range_key).toBeUndefined();
    for (const name of ['conversations', 'builds', 'tools', 'audit']) {
      expect(table(dev, `fable-dev-${name}`)).toMatchObject({
        billing_mode: 'PAY_PER_REQUEST',
        hash_key: 'PK',
        range_key: 'SK',
        global_secondary_index: [{ name: 'GSI1', hash_key: 'GSI1PK', range_key: 'GSI1SK', projection_type: 'ALL' }],
      });
    }
    expect(table(dev, 'fable-dev-conversations').ttl).toEqual({ attribute_name: 'ttl', enabled: true });
    expect(table(dev, 'fable-dev-builds').ttl).toBeUndefined();
    expect(table(dev, 'fable-dev-tools').ttl).toBeUndefined();
    // Audit events are never removed, not even by expiry.
    expect(table(dev, 'fable-dev-audit').ttl).toBeUndefined();
    // Spend caps: day counters expire.
    expect(table(dev, 'fable-dev-quotas')).toMatchObject({ hash_key: 'PK', range_key: 'SK', global_secondary_index: [], ttl: { attribute_name: 'ttl', enabled: true } });
    expect(resourcesOf(dev, 'aws_dynamodb_table')).toHaveLength(6);
  });

  it('declares every key attribute as a string', () => {
    for (const t of resourcesOf(dev, 'aws_dynamodb_table')) {
      expect(t.attribute.every((a: { type: string }) => a.type === 'S')).toBe(true);
    }
  });

  it('turns on point-in-time recovery for all but connections', () => {
    for (const [stage, stack] of byStage()) {
      expect(table(stack, `fable-${stage}-connections`).point_in_time_recovery).toEqual({ enabled: false });
      for (const name of ['conversations', 'builds', 'tools', 'audit']) {
        expect(table(stack, `fable-${stage}-${name}`).point_in_time_recovery).toEqual({ enabled: true });
      }
    }
  });

  it('protects tables from deletion in prod only', () => {
    expect(resourcesOf(dev, 'aws_dynamodb_table').every((t) => t.deletion_protection_enabled === false)).toBe(true);
    expect(resourcesOf(prod, 'aws_dynamodb_table').every((t) => t.deletion_protection_enabled === true)).toBe(true);
  });
});

describe('artifacts bucket', () => {
  const bucket = (stack: StackJson) => findResource(stack, 'aws_s3_bucket', (b) => String(b.bucket).includes('artifacts'));

  it('is named fable-<stage>-artifacts-<account> and force-destroyed only in dev', () => {
    expect(bucket(dev).bucket).toMatch(/^fable-dev-artifacts-\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}$/);
    expect(bucket(dev).force_destroy).toBe(true);
    expect(bucket(prod).force_destroy).toBe(false);
  });

  it('is versioned, encrypted, owner-enforced and expires old versions, uploads and data exports', () => {
    expect(resourcesOf(dev, 'aws_s3_bucket_versioning')[0].versioning_configuration).toEqual({ status: 'Enabled' });
    expect(resourcesOf(dev, 'aws_s3_bucket_server_side_encryption_configuration')[0].rule[0]).toMatchObject({
      apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' },
    });
    expect(resourcesOf(dev, 'aws_s3_bucket_ownership_controls')[0].rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    const rules = resourcesOf(dev, 'aws_s3_bucket_lifecycle_configuration')[0].rule;
    expect(rules).toEqual([
      expect.objectContaining({ status: 'Enabled', noncurrent_version_expiration: [{ noncurrent_days: 30 }] }),
      expect.objectContaining({ status: 'Enabled', abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] }),
      // Exports (and erasure receipts) live 7 days; their old versions one more day.
      {
        id: 'expire-exports',
        status: 'Enabled',
        filter: [{ prefix: 'exports/' }],
        expiration: [{ days: 7 }],
        noncurrent_version_expiration: [{ noncurrent_days: 1 }],
      },
    ]);
  });
});

describe('outputs', () => {
  it('exposes AuroraEndpoint and ArtifactsBucketName under their exact names', () => {
    expect(dev.output!.AuroraEndpoint.value).toMatch(/^\$\{aws_rds_cluster\.[^}]+\.endpoint\}$/);
    expect(dev.output!.ArtifactsBucketName.value).toMatch(/^\$\{aws_s3_bucket\.artifacts[^}]+\.bucket\}$/);
  });

  it('exposes CognitoUserPoolId, CognitoClientId and CognitoDomain (the hosted sign-in host name)', () => {
    expect(dev.output!.CognitoUserPoolId.value).toMatch(/^\$\{aws_cognito_user_pool\.[^}]+\.id\}$/);
    expect(dev.output!.CognitoClientId.value).toMatch(/^\$\{aws_cognito_user_pool_client\.[^}]+\.id\}$/);
    expect(dev.output!.CognitoDomain.value).toMatch(
      /^\$\{aws_cognito_user_pool_domain\.[^}]+\.domain\}\.auth\.\$\{data\.aws_region\.[^}]+\.region\}\.amazoncognito\.com$/,
    );
  });

  it('exposes AlarmTopicArn: the topic every alarm of the stage notifies', () => {
    for (const [stage, stack] of byStage()) {
      const topic = Object.entries(stack.resource.aws_sns_topic).find(([, t]) => t.name === `fable-${stage}-alarms`)![0];
      expect(stack.output!.AlarmTopicArn.value).toBe(`\${aws_sns_topic.${topic}.arn}`);
    }
  });
});

describe('the WebSocket door', () => {
  it('puts the ws-authorizer in front of $connect and no other route', () => {
    const routes = Object.fromEntries(resourcesOf(dev, 'aws_apigatewayv2_route').map((r) => [r.route_key, r.authorization_type]));
    expect(routes).toEqual({ $connect: 'CUSTOM', $disconnect: 'NONE', $default: 'NONE' });
    expect(resourcesOf(dev, 'aws_apigatewayv2_authorizer')).toEqual([expect.objectContaining({ name: 'fable-dev-ws-authorizer' })]);
  });

  it('lets no connection in without a token in either stage', () => {
    for (const [, stack] of byStage()) {
      const fn = findResource(stack, 'aws_lambda_function', (f) => f.function_name.endsWith('-ws-authorizer'));
      expect(fn.environment.variables.ALLOW_ANONYMOUS).toBe('false');
    }
  });
});
