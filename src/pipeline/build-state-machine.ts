import { Construct } from 'constructs';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { resourceName, type StageConfig } from '../config';
import type { AwsEnvironment } from '../platform/aws-environment';
import { FableRole } from '../iam/fable-role';
import { LogGroup } from '../observability/log-group';
import type { SecureBucket } from '../storage/secure-bucket';
import { ARTIFACT_PREFIXES } from '../data/artifacts-bucket';
import type { InvokableFunction } from '../compute/node-lambda';
import { buildPipelineDefinition } from '../asl/build-pipeline';
import type { BuildTasks } from './build-tasks';

/** The EventBridge rule Step Functions manages itself to learn when a `.sync` ECS task stops. */
export const ECS_SYNC_RULE = 'StepFunctionsGetEventsForECSTaskRule';

/** Delivering to CloudWatch Logs goes through these account-level APIs, which take no resource. */
const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies',
  'logs:GetLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:UpdateLogDelivery',
];

export interface BuildStateMachineProps {
  readonly config: StageConfig;
  readonly env: AwsEnvironment;
  readonly tasks: BuildTasks;
  readonly artifacts: SecureBucket;
  /** Where build tasks run: the private subnets and the build-task security group. */
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly updateBuildStatus: InvokableFunction;
  readonly toolDeployer: InvokableFunction;
}

/**
 * Step Functions STANDARD `fable-<stage>-build-pipeline` running the typed ASL definition
 * (src/asl/build-pipeline.ts), with full logging (without execution data: build specs are
 * users' text) and X-Ray tracing. Its role may do exactly what the definition's tasks do.
 */
export class BuildStateMachine extends Construct {
  readonly stateMachine: SfnStateMachine;
  readonly role: FableRole;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: BuildStateMachineProps) {
    super(scope, id);
    const { config, env, tasks, artifacts } = props;
    const name = resourceName(config.stage, 'build-pipeline');

    this.role = new FableRole(this, 'role', {
      name,
      description: `Role of the ${name} state machine`,
      service: 'states.amazonaws.com',
      accountId: env.accountId,
    });
    props.updateBuildStatus.grantInvoke(this.role);
    props.toolDeployer.grantInvoke(this.role);
    tasks.grantRun(this.role);
    artifacts.grantObjects(this.role, ARTIFACT_PREFIXES.builds, ['s3:GetObject']);
    this.role.addStatements(
      {
        actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
        resources: [env.arn({ service: 'events', resource: `rule/${ECS_SYNC_RULE}` })],
      },
      { actions: LOG_DELIVERY_ACTIONS, resources: ['*'] },
      { actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resources: ['*'] },
    );

    this.logGroup = new LogGroup(this, 'logs', {
      name: `/aws/vendedlogs/states/${name}`,
      retentionDays: config.logRetentionDays,
    });

    const definition = buildPipelineDefinition({
      partition: env.partition,
      updateBuildStatusFunctionArn: props.updateBuildStatus.arn,
      toolDeployerFunctionArn: props.toolDeployer.arn,
      clusterArn: tasks.cluster.arn,
      taskDefinitionArn: tasks.taskDefinition.arn,
      containerName: tasks.containerName,
      subnetIds: props.subnetIds,
      securityGroupIds: props.securityGroupIds,
      artifactsBucket: artifacts.name,
      coreTimeoutSeconds: config.build.coreTimeoutSeconds,
      oiTimeoutSeconds: config.build.oiTimeoutSeconds,
    });

    this.stateMachine = new SfnStateMachine(this, 'state-machine', {
      name,
      type: 'STANDARD',
      roleArn: this.role.arn,
      definition: JSON.stringify(definition),
      loggingConfiguration: {
        level: 'ALL',
        includeExecutionData: false,
        logDestination: `${this.logGroup.arn}:*`,
      },
      tracingConfiguration: { enabled: true },
      // Step Functions checks the role when the machine is created: grant first.
      dependsOn: [this.role.policy],
    });
  }

  get arn(): string {
    return this.stateMachine.arn;
  }

  /** Let a role start executions of this state machine (and nothing else in Step Functions). */
  grantStartExecution(role: FableRole): void {
    role.addStatements({ actions: ['states:StartExecution'], resources: [this.stateMachine.arn] });
  }
}
