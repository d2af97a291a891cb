import { Construct } from 'constructs';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { RdsCluster } from '@cdktf/provider-aws/lib/rds-cluster';
import { RdsClusterInstance } from '@cdktf/provider-aws/lib/rds-cluster-instance';
import { resourceName, type StageConfig } from '../config';
import type { FableRole } from '../iam/fable-role';
import { POSTGRES_PORT } from '../network/security-groups';

export const DATABASE_NAME = 'fable';
const MASTER_USERNAME = 'fable_admin';

export interface AuroraProps {
  readonly config: StageConfig;
  readonly isolatedSubnetIds: string[];
  readonly securityGroupId: string;
}

/**
 * Aurora PostgreSQL Serverless v2 holding FABLE's memories (pgvector). The master password is
 * generated and rotated by RDS in Secrets Manager, so it never appears in Terraform state.
 */
export class AuroraDatabase extends Construct {
  readonly cluster: RdsCluster;
  readonly writer: RdsClusterInstance;
  readonly port = POSTGRES_PORT;
  readonly databaseName = DATABASE_NAME;

  constructor(scope: Construct, id: string, props: AuroraProps) {
    super(scope, id);
    const { config } = props;
    const aurora = config.aurora;
    const name = (component: string) => resourceName(config.stage, component);
    if (aurora.minCapacity === 0 && aurora.secondsUntilAutoPause === undefined) {
      throw new Error('Aurora min capacity 0 needs secondsUntilAutoPause.');
    }

    const subnetGroup = new DbSubnetGroup(this, 'subnets', {
      name: name('aurora'),
      description: 'FABLE Aurora in the isolated subnets',
      subnetIds: props.isolatedSubnetIds,
    });

    this.cluster = new RdsCluster(this, 'cluster', {
      clusterIdentifier: name('aurora'),
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
      enabledCloudwatchLogsExports: ['postgresql'],
      deletionProtection: aurora.deletionProtection,
      skipFinalSnapshot: !aurora.finalSnapshot,
      // A fixed name keeps the plan deterministic; a second destroy must pick a new one by hand.
      finalSnapshotIdentifier: aurora.finalSnapshot ? name('aurora-final') : undefined,
      serverlessv2ScalingConfiguration: {
        minCapacity: aurora.minCapacity,
        maxCapacity: aurora.maxCapacity,
        secondsUntilAutoPause: aurora.minCapacity === 0 ? aurora.secondsUntilAutoPause : undefined,
      },
    });

    this.writer = new RdsClusterInstance(this, 'writer', {
      identifier: name('aurora-writer'),
      clusterIdentifier: this.cluster.id,
      instanceClass: 'db.serverless',
      engine: this.cluster.engine,
      engineVersion: this.cluster.engineVersion,
      publiclyAccessible: false,
      autoMinorVersionUpgrade: true,
    });
  }

  get endpoint(): string {
    return this.cluster.endpoint;
  }

  /** ARN of the RDS-managed master secret. */
  get secretArn(): string {
    return this.cluster.masterUserSecret.get(0).secretArn;
  }

  /** Let a role read the master secret (and nothing else in Secrets Manager). */
  grantSecretRead(role: FableRole): void {
    role.addStatements({ actions: ['secretsmanager:GetSecretValue'], resources: [this.secretArn] });
  }
}
