import { Construct } from 'constructs';
import { LambdaInvocation } from '@cdktf/provider-aws/lib/lambda-invocation';
import { migrationsFingerprint } from '../../lambdas/shared/contract/migrations';
import { FableStage } from '../stage/fable-stage';
import { NodeLambda, type VpcPlacement } from '../compute/node-lambda';
import type { AuroraDatabase } from '../data/aurora';
import type { FableVpc } from '../network/vpc';
import type { SecurityGroups } from '../network/security-groups';

/** What db-init runs on deploy; failOnError makes a failed migration fail the apply. */
export const DEPLOY_MIGRATE_INPUT = { action: 'migrate', failOnError: true } as const;

export interface MemoryServiceProps {
  readonly database: AuroraDatabase;
  readonly vpc: FableVpc;
  readonly securityGroups: SecurityGroups;
}

/**
 * FABLE's memory: the memory Lambda (CRUD + semantic search over Aurora pgvector, embeddings
 * from Titan V2) and db-init, which applies the schema migrations. Both run in the private
 * subnets with the Lambda security group; their bindings give them the database's connection
 * details and its master secret only.
 *
 * db-init runs on every deploy whose migrations changed (or whose cluster is new), through an
 * aws_lambda_invocation, so a fresh `cdktf deploy` leaves a ready database with no manual step.
 */
export class MemoryService extends Construct {
  readonly memory: NodeLambda<'memory'>;
  readonly dbInit: NodeLambda<'db-init'>;
  readonly migration: LambdaInvocation;

  constructor(scope: Construct, id: string, props: MemoryServiceProps) {
    super(scope, id);
    const { database, vpc, securityGroups } = props;
    const placement: VpcPlacement = {
      subnetIds: vpc.privateSubnets.map((s) => s.id),
      securityGroupIds: [securityGroups.lambda.id],
    };
    this.dbInit = new NodeLambda(this, 'db-init', {
      name: 'db-init',
      description: 'Applies the Aurora schema migrations (pgvector, memories, HNSW index); runs on deploy',
      vpc: placement,
    });
    this.memory = new NodeLambda(this, 'memory', {
      name: 'memory',
      description: 'Memory CRUD and semantic search over Aurora pgvector',
      vpc: placement,
    });

    this.migration = new LambdaInvocation(this, 'migrate', {
      functionName: this.dbInit.function.functionName,
      input: JSON.stringify(DEPLOY_MIGRATE_INPUT),
      triggers: {
        migrations: migrationsFingerprint(FableStage.of(this).config.models.embeddingDimensions),
        // A replaced cluster starts empty and needs the migrations again.
        cluster: database.cluster.clusterResourceId,
      },
      // The path out to Secrets Manager and into Aurora is not referenced by the function, so
      // Terraform would not otherwise order the invocation after it.
      dependsOn: [database.writer, ...vpc.privateEgress, ...securityGroups.databasePath],
    });
  }
}
