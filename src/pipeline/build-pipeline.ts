import { Construct } from 'constructs';
import { executionTimeoutSeconds } from '../config';
import { FableStage } from '../stage/fable-stage';
import type { SecureBucket } from '../storage/secure-bucket';
import type { FableVpc } from '../network/vpc';
import type { SecurityGroups } from '../network/security-groups';
import { NodeLambda, type InvokableFunction } from '../compute/node-lambda';
import type { BuildRepository } from './build-repository';
import { BuildTasks } from './build-tasks';
import { BuildStateMachine } from './build-state-machine';
import { buildPipelineDefinition } from './build-pipeline-definition';

export interface BuildPipelineProps {
  readonly artifacts: SecureBucket;
  readonly vpc: FableVpc;
  readonly securityGroups: SecurityGroups;
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

  constructor(scope: Construct, id: string, props: BuildPipelineProps) {
    super(scope, id);
    const stage = FableStage.of(this);
    const { config } = stage;

    this.updateBuildStatus = new NodeLambda(this, 'update-build-status', {
      name: 'update-build-status',
      description: 'Moves a build forward and notifies its user',
    });
    this.tasks = new BuildTasks(this, 'tasks', {
      artifacts: props.artifacts,
      repository: props.repository,
      imageUri: props.imageUri,
    });
    const definition = buildPipelineDefinition({
      aws: stage.env,
      updateBuildStatusFunctionArn: this.updateBuildStatus.arn,
      toolDeployerFunctionArn: props.toolDeployer.arn,
      cluster: { arn: this.tasks.cluster.arn, name: this.tasks.clusterName },
      taskDefinition: {
        arn: this.tasks.taskDefinition.arn,
        containerName: this.tasks.containerName,
        roleArns: [this.tasks.taskRole.arn, this.tasks.executionRole.arn],
      },
      subnetIds: props.vpc.privateSubnets.map((s) => s.id),
      securityGroupIds: [props.securityGroups.buildTask.id],
      artifactsBucket: props.artifacts.name,
      phases: config.phases,
      requireApproval: config.build.requireApproval,
      approvalTimeoutSeconds: config.build.approvalTimeoutHours * 3600,
      timeoutSeconds: executionTimeoutSeconds(config.build),
    });
    this.stateMachine = new BuildStateMachine(this, 'state-machine', { definition });
    this.buildKickoff = new NodeLambda(this, 'build-kickoff', {
      name: 'build-kickoff',
      description: 'Starts builds and reports their status',
    });
  }
}
