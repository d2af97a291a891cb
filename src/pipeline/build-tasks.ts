import { Construct } from 'constructs';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { resourceName, type BuildConfig, type StageConfig } from '../config';
import type { AwsEnvironment } from '../platform/aws-environment';
import { FableRole } from '../iam/fable-role';
import { grantBedrockInvoke } from '../iam/bedrock';
import { LogGroup } from '../observability/log-group';
import type { SecureBucket } from '../storage/secure-bucket';
import { ARTIFACT_PREFIXES } from '../data/artifacts-bucket';
import type { BuildRepository } from './build-repository';

/** The container of the task definition (the pipeline's overrides name it). */
export const BUILD_CONTAINER_NAME = 'fable-build';
/** Non-root user of the build image (docker/build/Dockerfile creates it with this uid). */
export const BUILD_CONTAINER_USER = '10001';
/** The root filesystem is read-only; these are the writable paths (ephemeral task storage). */
export const WRITABLE_MOUNTS = [
  { sourceVolume: 'work', containerPath: '/work' },
  { sourceVolume: 'tmp', containerPath: '/tmp' },
] as const;
/**
 * The agent's own deadline ends this long before the pipeline's task timeout, so the container
 * still has time to upload its failure record before Step Functions stops the task.
 */
export const PHASE_TIMEOUT_MARGIN_SECONDS = 300;
export const STOP_TIMEOUT_SECONDS = 120;

/**
 * `FABLE_PHASE_TIMEOUT_SECONDS` of the container. The pipeline may override only the phase,
 * build id and spec key (DESIGN.md section 6), so one value serves both phases: the shorter one.
 */
export function phaseTimeoutSeconds(build: BuildConfig): number {
  const seconds = Math.min(build.coreTimeoutSeconds, build.oiTimeoutSeconds) - PHASE_TIMEOUT_MARGIN_SECONDS;
  if (seconds < 60) {
    throw new Error(`Build phase timeouts must be at least ${PHASE_TIMEOUT_MARGIN_SECONDS + 60} seconds.`);
  }
  return seconds;
}

export interface BuildTasksProps {
  readonly config: StageConfig;
  readonly env: AwsEnvironment;
  readonly artifacts: SecureBucket;
  readonly repository: BuildRepository;
  /** The build image (`<repositoryUrl>:<tag>` or `@<digest>`), from the image construct. */
  readonly imageUri: string;
}

/**
 * Where build containers run: ECS cluster `fable-<stage>-builds` and the Fargate task definition
 * `fable-<stage>-build`, with a task role (what the agent may do) kept apart from the execution
 * role (what ECS needs to start the container).
 */
export class BuildTasks extends Construct {
  readonly cluster: EcsCluster;
  readonly taskDefinition: EcsTaskDefinition;
  readonly taskRole: FableRole;
  readonly executionRole: FableRole;
  readonly logGroup: LogGroup;
  readonly containerName = BUILD_CONTAINER_NAME;
  private readonly env: AwsEnvironment;
  private readonly clusterName: string;
  private readonly family: string;

  constructor(scope: Construct, id: string, props: BuildTasksProps) {
    super(scope, id);
    const { config, env, artifacts } = props;
    this.env = env;
    this.clusterName = resourceName(config.stage, 'builds');
    this.family = resourceName(config.stage, 'build');

    this.cluster = new EcsCluster(this, 'cluster', {
      name: this.clusterName,
      setting: [{ name: 'containerInsights', value: config.build.containerInsights ? 'enabled' : 'disabled' }],
    });
    this.logGroup = new LogGroup(this, 'logs', {
      name: `/aws/ecs/${this.family}`,
      retentionDays: config.logRetentionDays,
    });

    const role = (component: string, description: string) =>
      new FableRole(this, component, {
        name: resourceName(config.stage, component),
        description,
        service: 'ecs-tasks.amazonaws.com',
        accountId: env.accountId,
      });
    this.taskRole = role('build-task', 'What the build agent may do: the build model, its build artifacts, tool bundles');
    this.executionRole = role('build-task-execution', 'What ECS needs to start a build task: pull its image, write its logs');

    grantBedrockInvoke(this.taskRole, env, [config.models.buildModelId], [
      'bedrock:InvokeModel',
      'bedrock:InvokeModelWithResponseStream',
    ]);
    artifacts.grantObjects(this.taskRole, ARTIFACT_PREFIXES.builds, ['s3:GetObject', 's3:PutObject']);
    // The oi phase uploads the tool bundles its output lists (tools/<toolName>/<sha256>.zip).
    artifacts.grantObjects(this.taskRole, ARTIFACT_PREFIXES.tools, ['s3:PutObject']);
    props.repository.grantPull(this.executionRole);
    this.logGroup.grantWrite(this.executionRole);

    const environment: Record<string, string> = {
      ARTIFACTS_BUCKET: artifacts.name,
      AWS_REGION: env.region,
      CLAUDE_CODE_USE_BEDROCK: '1',
      CLAUDE_CODE_SKIP_OOBE: '1',
      ANTHROPIC_MODEL: config.models.buildModelId,
      FABLE_PHASE_TIMEOUT_SECONDS: String(phaseTimeoutSeconds(config.build)),
    };
    const container = {
      name: BUILD_CONTAINER_NAME,
      image: props.imageUri,
      essential: true,
      user: BUILD_CONTAINER_USER,
      readonlyRootFilesystem: true,
      // Fargate's maximum: a stopped task gets this long after SIGTERM to upload its failure record.
      stopTimeout: STOP_TIMEOUT_SECONDS,
      environment: Object.keys(environment)
        .sort()
        .map((name) => ({ name, value: environment[name] })),
      mountPoints: WRITABLE_MOUNTS.map((m) => ({ ...m, readOnly: false })),
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': this.logGroup.name,
          'awslogs-region': env.region,
          'awslogs-stream-prefix': 'build',
        },
      },
    };

    this.taskDefinition = new EcsTaskDefinition(this, 'task-definition', {
      family: this.family,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(config.build.cpu),
      memory: String(config.build.memory),
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: config.build.architecture },
      taskRoleArn: this.taskRole.arn,
      executionRoleArn: this.executionRole.arn,
      containerDefinitions: JSON.stringify([container]),
      // No host path: on Fargate these are bind mounts on the task's ephemeral storage.
      volume: WRITABLE_MOUNTS.map((m) => ({ name: m.sourceVolume })),
    });
  }

  /** Every revision of the task definition family (a pipeline pins one of them). */
  get taskDefinitionFamilyArn(): string {
    return this.env.arn({ service: 'ecs', resource: `task-definition/${this.family}:*` });
  }

  /** The tasks of the build cluster. */
  get tasksArn(): string {
    return this.env.arn({ service: 'ecs', resource: `task/${this.clusterName}/*` });
  }

  /**
   * Let a role run build tasks the way Step Functions' `ecs:runTask.sync` does: start a revision
   * of this family in this cluster only, watch and stop its tasks, and hand ECS exactly the two
   * build roles.
   */
  grantRun(role: FableRole): void {
    role.addStatements(
      {
        actions: ['ecs:RunTask'],
        resources: [this.taskDefinitionFamilyArn],
        conditions: { ArnEquals: { 'ecs:cluster': this.cluster.arn } },
      },
      { actions: ['ecs:DescribeTasks', 'ecs:StopTask'], resources: [this.tasksArn] },
      {
        actions: ['iam:PassRole'],
        resources: [this.taskRole.arn, this.executionRole.arn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
    );
  }
}
