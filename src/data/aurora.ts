import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { RdsCluster } from '@cdktf/provider-aws/lib/rds-cluster';
import { RdsClusterInstance } from '@cdktf/provider-aws/lib/rds-cluster-instance';
import type { DatabaseBinding } from '../../lambdas/shared/contract';
import { FableStage } from '../stage/fable-stage';
import { POSTGRES_PORT } from '../network/security-groups';
import { LogGroup } from '../observability/log-group';
import type { BindingProvider, ResolvedBinding } from '../bindings/binding-provider';

export const DATABASE_NAME = 'fable';
const MASTER_USERNAME = 'fable_admin';
/**
 * The CA new Aurora instances present by default; named so the trust the Lambdas need is explicit
 * (their zips carry the RDS CA bundle with its root, see lambdas/shared/database/tls.ts).
 */
export const DATABASE_CA = 'rds-ca-rsa2048-g1';
/** The log types the cluster exports to CloudWatch Logs. */
const EXPORTED_LOGS = ['postgresql'] as const;

export interface AuroraProps {
  readonly isolatedSubnetIds: string[];
  readonly securityGroupId: string;
}

/**
 * Aurora PostgreSQL Serverless v2 holding FABLE's memories (pgvector). The master password is
 * generated and rotated by RDS in Secrets Manager, so it never appears in Terraform state.
 * Lambdas bind to it for its connection details and the right to read that secret.
 */
export class AuroraDatabase extends Construct implements BindingProvider<DatabaseBinding> {
  readonly cluster: RdsCluster;
  readonly writer: RdsClusterInstance;
  readonly port = POSTGRES_PORT;
  readonly databaseName = DATABASE_NAME;

  constructor(scope: Construct, id: string, props: AuroraProps) {
    super(scope, id);
    const stage = FableStage.of(this);
    const aurora = stage.config.aurora;
    const clusterId = stage.name('aurora');

    const subnetGroup = new DbSubnetGroup(this, 'subnets', {
      name: clusterId,
      description: 'FABLE Aurora in the isolated subnets',
      subnetIds: props.isolatedSubnetIds,
    });
    // Created before the cluster, so RDS writes into a group with retention instead of creating one without.
    const logGroups: ITerraformDependable[] = EXPORTED_LOGS.map(
      (type) => new LogGroup(this, `${type}-logs`, { name: `/aws/rds/cluster/${clusterId}/${type}` }).logGroup,
    );

    this.cluster = new RdsCluster(this, 'cluster', {
      clusterIdentifier: clusterId,
      engine: 'aurora-postgresql',
      engineMode: 'provisioned',
      engineVersion: aurora.engineVersion,
      databaseName: DATABASE_NAME,
      masterUsername: MASTER_USERNAME,
      manageMasterUserPassword: true,
      port: POSTGRES_PORT,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [props.securityGroupId],
      storageEncrypted: true,
      iamDatabaseAuthenticationEnabled: true,
      backupRetentionPeriod: aurora.backupRetentionDays,
      copyTagsToSnapshot: true,
      enabledCloudwatchLogsExports: [...EXPORTED_LOGS],
      deletionProtection: aurora.deletionProtection,
      skipFinalSnapshot: !aurora.finalSnapshot,
      // A fixed name keeps the plan deterministic; a second destroy must pick a new one by hand.
      finalSnapshotIdentifier: aurora.finalSnapshot ? stage.name('aurora-final') : undefined,
      serverlessv2ScalingConfiguration: {
        minCapacity: aurora.minCapacity,
        maxCapacity: aurora.maxCapacity,
        secondsUntilAutoPause: aurora.minCapacity === 0 ? aurora.secondsUntilAutoPause : undefined,
      },
      // AWS applies minor upgrades itself (auto minor version upgrade, end of an LTS minor): the
      // configured version is the one a new cluster starts on, never one to plan a downgrade to.
      lifecycle: { ignoreChanges: ['engine_version'] },
      dependsOn: logGroups,
    });

    this.writer = new RdsClusterInstance(this, 'writer', {
      identifier: stage.name('aurora-writer'),
      clusterIdentifier: this.cluster.id,
      instanceClass: 'db.serverless',
      engine: this.cluster.engine,
      engineVersion: this.cluster.engineVersion,
      caCertIdentifier: DATABASE_CA,
      publiclyAccessible: false,
      autoMinorVersionUpgrade: true,
      lifecycle: { ignoreChanges: ['engine_version'] },
    });
    stage.provide<DatabaseBinding>('database', this);
    stage.monitor({ kind: 'database', clusterIdentifier: clusterId, maxCapacity: aurora.maxCapacity });
  }

  get endpoint(): string {
    return this.cluster.endpoint;
  }

  /** ARN of the RDS-managed master secret. */
  get secretArn(): string {
    return this.cluster.masterUserSecret.get(0).secretArn;
  }

  /** One connection detail; the secret comes with the right to read it (and nothing else in Secrets Manager). */
  resolveBinding(binding: DatabaseBinding): ResolvedBinding {
    switch (binding.database) {
      case 'secret':
        return { value: this.secretArn, statements: [{ actions: ['secretsmanager:GetSecretValue'], resources: [this.secretArn] }] };
      case 'host':
        return { value: this.endpoint, statements: [] };
      case 'port':
        return { value: String(this.port), statements: [] };
      case 'name':
        return { value: this.databaseName, statements: [] };
      case 'ssl':
        return { value: 'verify-full', statements: [] };
    }
  }
}
