import { Construct } from 'constructs';
import { TerraformResource } from 'cdktf';
import { LambdaInvocation } from '@cdktf/provider-aws/lib/lambda-invocation';
import type { LambdaEnvironment } from '../../lambdas/shared/contract';
import { migrationsFingerprint } from '../../lambdas/shared/contract/migrations';
import type { StageConfig } from '../config';
import type { AwsEnvironment } from '../platform/aws-environment';
import type { LambdaBundles } from '../bundling/lambda-bundle';
import { NodeLambda, type VpcPlacement } from '../compute/node-lambda';
import type { AuroraDatabase } from '../data/aurora';
import type { FableVpc } from '../network/vpc';
import type { SecurityGroups } from '../network/security-groups';
import { grantBedrockInvoke } from '../iam/bedrock';

export const MEMORY_TIMEOUT_SECONDS = 30;
export const MEMORY_MEMORY_MB = 512;
/** Long enough for a resume from auto-pause plus an index build on a grown table. */
export const DB_INIT_TIMEOUT_SECONDS = 300;

/** What db-init runs on deploy; failOnError makes a failed migration fail the apply. */
export const DEPLOY_MIGRATE_INPUT = { action: 'migrate', failOnError: true } as const;

/**
 * The resources db-init needs in place before its deploy-time run: the path out to Secrets
 * Manager (NAT routes) and the security-group rules to and from Aurora. They are not referenced
 * by the function, so Terraform would not otherwise order the invocation after them.
 */
const NETWORK_PATH_TYPES = new Set([
  'aws_route',
  'aws_route_table_association',
  'aws_nat_gateway',
  'aws_vpc_security_group_egress_rule',
  'aws_vpc_security_group_ingress_rule',
]);

export interface MemoryServiceProps {
  readonly config: StageConfig;
  readonly env: AwsEnvironment;
  readonly bundles: LambdaBundles;
  readonly database: AuroraDatabase;
  readonly vpc: FableVpc;
  readonly securityGroups: SecurityGroups;
}

/**
 * FABLE's memory: the memory Lambda (CRUD + semantic search over Aurora pgvector, embeddings
 * from Titan V2) and db-init, which applies the schema migrations. Both run in the private
 * subnets with the Lambda security group and read only the RDS-managed master secret.
 *
 * db-init runs on every deploy whose migrations changed (or whose cluster is new), through an
 * aws_lambda_invocation, so a fresh `cdktf deploy` leaves a ready database with no manual step.
 * Others call memory through `memory.grantInvoke(role)` and `memory.functionName`.
 */
export class MemoryService extends Construct {
  readonly memory: NodeLambda<'memory'>;
  readonly dbInit: NodeLambda<'db-init'>;
  readonly migration: LambdaInvocation;

  constructor(scope: Construct, id: string, props: MemoryServiceProps) {
    super(scope, id);
    const { config, env, database, vpc, securityGroups } = props;
    const placement: VpcPlacement = {
      subnetIds: vpc.privateSubnets.map((s) => s.id),
      securityGroupIds: [securityGroups.lambda.id],
    };
    const connection: Omit<LambdaEnvironment<'db-init'>, 'EMBEDDING_DIMENSIONS'> = {
      DB_SECRET_ARN: database.secretArn,
      DB_HOST: database.endpoint,
      DB_PORT: String(database.port),
      DB_NAME: database.databaseName,
      DB_SSL: 'verify-full',
    };
    const dimensions = config.models.embeddingDimensions;

    this.dbInit = new NodeLambda(this, 'db-init', {
      config,
      env,
      name: 'db-init',
      description: 'Applies the Aurora schema migrations (pgvector, memories, HNSW index); runs on deploy',
      bundles: props.bundles,
      timeoutSeconds: DB_INIT_TIMEOUT_SECONDS,
      vpc: placement,
      environment: { ...connection, EMBEDDING_DIMENSIONS: String(dimensions) },
    });
    database.grantSecretRead(this.dbInit.role);

    this.memory = new NodeLambda(this, 'memory', {
      config,
      env,
      name: 'memory',
      description: 'Memory CRUD and semantic search over Aurora pgvector',
      bundles: props.bundles,
      memorySize: MEMORY_MEMORY_MB,
      timeoutSeconds: MEMORY_TIMEOUT_SECONDS,
      vpc: placement,
      environment: {
        ...connection,
        EMBEDDING_MODEL_ID: config.models.embeddingModelId,
        EMBEDDING_DIMENSIONS: String(dimensions),
      },
    });
    database.grantSecretRead(this.memory.role);
    grantBedrockInvoke(this.memory.role, env, [config.models.embeddingModelId], ['bedrock:InvokeModel']);

    const networkPath = [vpc, securityGroups].flatMap((c) =>
      c.node
        .findAll()
        .filter((n): n is TerraformResource => n instanceof TerraformResource && NETWORK_PATH_TYPES.has(n.terraformResourceType)),
    );
    this.migration = new LambdaInvocation(this, 'migrate', {
      functionName: this.dbInit.function.functionName,
      input: JSON.stringify(DEPLOY_MIGRATE_INPUT),
      triggers: {
        migrations: migrationsFingerprint(dimensions),
        // A replaced cluster starts empty and needs the migrations again.
        cluster: database.cluster.clusterResourceId,
      },
      dependsOn: [database.writer, ...networkPath],
    });
  }
}
