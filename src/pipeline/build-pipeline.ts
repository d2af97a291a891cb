import { Construct } from 'constructs';
import type { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import type { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import type { StageConfig } from '../config';
import type { AwsEnvironment } from '../platform/aws-environment';
import type { FableRole } from '../iam/fable-role';
import type { SecureBucket } from '../storage/secure-bucket';
import { ARTIFACT_PREFIXES } from '../data/artifacts-bucket';
import type { FableTables } from '../data/tables';
import type { FableVpc } from '../network/vpc';
import type { SecurityGroups } from '../network/security-groups';
import type { LambdaBundles } from '../bundling/lambda-bundle';
import { NodeLambda, type InvokableFunction } from '../compute/node-lambda';
import type { BuildRepository } from './build-repository';
import { BuildTasks } from './build-tasks';
import { BuildStateMachine } from './build-state-machine';

/** What the pipeline needs of the WebSocket API: where to post frames, and the right to. */
export interface WebSocketManagement {
  /** `https://<api>.execute-api.<region>.amazonaws.com/<stage>` */
  readonly managementEndpoint: string;
  grantManageConnections(role: FableRole): void;
}

export interface BuildPipelineProps {
  readonly config: StageConfig;
  readonly env: AwsEnvironment;
  readonly bundles: LambdaBundles;
  readonly tables: FableTables;
  readonly artifacts: SecureBucket;
  readonly vpc: FableVpc;
  readonly securityGroups: SecurityGroups;
  readonly websocket: WebSocketManagement;
  readonly toolDeployer: InvokableFunction;
  /** The build image's repository (created before the image that is pushed to it). */
  readonly repository: BuildRepository;
  /** The build image to run, in `repository`. */
  readonly imageUri: string;
}

/**
 * The build pipeline of DESIGN.md section 6: build-kickoff starts an execution of the state
 * machine, which runs the core and oi phases as Fargate tasks, deploys the tools through the
 * tool-deployer, and reports every step through update-build-status.
 */
export class BuildPipeline extends Construct {
  readonly buildKickoff: NodeLambda<'build-kickoff'>;
  readonly updateBuildStatus: NodeLambda<'update-build-status'>;
  readonly stateMachine: BuildStateMachine;
  readonly tasks: BuildTasks;
  readonly repository: BuildRepository;

  constructor(scope: Construct, id: string, props: BuildPipelineProps) {
    super(scope, id);
    const { config, env, tables, artifacts } = props;
    this.repository = props.repository;

    this.updateBuildStatus = new NodeLambda(this, 'update-build-status', {
      config,
      env,
      name: 'update-build-status',
      description: 'Moves a build forward and notifies its user',
      bundles: props.bundles,
      environment: {
        BUILDS_TABLE: tables.builds.name,
        CONNECTIONS_TABLE: tables.connections.name,
        WEBSOCKET_ENDPOINT: props.websocket.managementEndpoint,
      },
    });
    tables.builds.grant(this.updateBuildStatus.role, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    tables.connections.grant(this.updateBuildStatus.role, ['dynamodb:DeleteItem', 'dynamodb:Query']);
    props.websocket.grantManageConnections(this.updateBuildStatus.role);

    this.tasks = new BuildTasks(this, 'tasks', {
      config,
      env,
      artifacts,
      repository: props.repository,
      imageUri: props.imageUri,
    });

    this.stateMachine = new BuildStateMachine(this, 'state-machine', {
      config,
      env,
      tasks: this.tasks,
      artifacts,
      subnetIds: props.vpc.privateSubnets.map((s) => s.id),
      securityGroupIds: [props.securityGroups.buildTask.id],
      updateBuildStatus: this.updateBuildStatus,
      toolDeployer: props.toolDeployer,
    });

    this.buildKickoff = new NodeLambda(this, 'build-kickoff', {
      config,
      env,
      name: 'build-kickoff',
      description: 'Starts builds and reports their status',
      bundles: props.bundles,
      environment: {
        BUILDS_TABLE: tables.builds.name,
        ARTIFACTS_BUCKET: artifacts.name,
        STATE_MACHINE_ARN: this.stateMachine.arn,
      },
    });
    tables.builds.grant(this.buildKickoff.role, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    artifacts.grantObjects(this.buildKickoff.role, ARTIFACT_PREFIXES.builds, ['s3:PutObject']);
    this.stateMachine.grantStartExecution(this.buildKickoff.role);
  }

  get cluster(): EcsCluster {
    return this.tasks.cluster;
  }

  get taskDefinition(): EcsTaskDefinition {
    return this.tasks.taskDefinition;
  }
}
