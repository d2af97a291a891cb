import { Construct } from 'constructs';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import type { ModelConfig } from '../config';
import { FableStage } from '../stage/fable-stage';
import { FableRole } from '../iam/fable-role';
import { bedrockStatement, inferenceProfileArn, isInferenceProfile } from '../iam/bedrock';
import type { PolicyStatement } from '../iam/policy-document';
import { LogGroup } from '../observability/log-group';
import type { SecureBucket } from '../storage/secure-bucket';
import { ARTIFACT_PREFIXES } from '../data/artifacts-bucket';
import type { BuildRepository } from './build-repository';

/** The container of the task definition (the pipeline's overrides name it). */
export const BUILD_CONTAINER_NAME = 'fable-build';
/**
 * The entrypoint starts as root: it keeps the task role and runs Claude Code as the image's
 * non-root user fable-agent with the agent role (docker/build/entrypoint.sh). Root keeps only the
 * capabilities that needs (hand the workspace over, switch user, stop the agent).
 */
export const BUILD_CONTAINER_USER = '0';
/** Fargate's default capabilities that the build container drops (it keeps CHOWN, DAC_OVERRIDE, FOWNER, KILL, SETGID, SETPCAP, SETUID). */
export const DROPPED_CAPABILITIES = ['AUDIT_WRITE', 'FSETID', 'MKNOD', 'NET_BIND_SERVICE', 'NET_RAW', 'SETFCAP', 'SYS_CHROOT'] as const;
/** The root filesystem is read-only; these are the writable paths (ephemeral task storage). */
export const WRITABLE_MOUNTS = [
  { sourceVolume: 'work', containerPath: '/work' },
  { sourceVolume: 'tmp', containerPath: '/tmp' },
] as const;
export const STOP_TIMEOUT_SECONDS = 120;

/**
 * Claude Code's model settings, each pinned to a model the agent role may invoke: the main model,
 * every alias it may resolve (opus/sonnet/haiku) and the small/fast model of its background
 * work. Unpinned, a version of Claude Code may pick a model the role cannot call.
 */
export function agentModelEnvironment(models: Pick<ModelConfig, 'buildModelId' | 'buildSmallModelId'>): Record<string, string> {
  return {
    ANTHROPIC_MODEL: models.buildModelId,
    ANTHROPIC_DEFAULT_OPUS_MODEL: models.buildModelId,
    ANTHROPIC_DEFAULT_SONNET_MODEL: models.buildModelId,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: models.buildSmallModelId,
    ANTHROPIC_SMALL_FAST_MODEL: models.buildSmallModelId,
    CLAUDE_CODE_SUBAGENT_MODEL: models.buildModelId,
  };
}

export interface BuildTasksProps {
  readonly artifacts: SecureBucket;
  readonly repository: BuildRepository;
  /** The build image (`<repositoryUrl>:<tag>` or `@<digest>`), from the image construct. */
  readonly imageUri: string;
}

/**
 * Where build containers run: ECS cluster `fable-<stage>-builds` and the Fargate task definition
 * `fable-<stage>-build`, with a task role (what the container may do) kept apart from the
 * execution role (what ECS needs to start the container).
 */
export class BuildTasks extends Construct {
  readonly cluster: EcsCluster;
  readonly clusterName: string;
  readonly taskDefinition: EcsTaskDefinition;
  readonly taskRole: FableRole;
  /** The agent's role (`fable-<stage>-build-agent`): the build models only; assumed by the task role. */
  readonly agentRole: FableRole;
  readonly executionRole: FableRole;
  readonly logGroup: LogGroup;
  readonly containerName = BUILD_CONTAINER_NAME;

  constructor(scope: Construct, id: string, props: BuildTasksProps) {
    super(scope, id);
    const stage = FableStage.of(this);
    const { config, env } = stage;
    const { artifacts } = props;
    this.clusterName = stage.name('builds');
    const family = stage.name('build');

    this.cluster = new EcsCluster(this, 'cluster', {
      name: this.clusterName,
      setting: [{ name: 'containerInsights', value: config.build.containerInsights ? 'enabled' : 'disabled' }],
    });
    this.logGroup = new LogGroup(this, 'logs', { name: `/aws/ecs/${family}` });

    const role = (component: string, description: string) =>
      new FableRole(this, component, { name: stage.iamName(component), description, service: 'ecs-tasks.amazonaws.com' });
    this.taskRole = role('build-task', "What a build container's entrypoint may do: its build artifacts, tool packages, the agent role");
    this.executionRole = role('build-task-execution', 'What ECS needs to start a build task: pull its image, write its logs');
    this.agentRole = new FableRole(this, 'build-agent', {
      name: stage.iamName('build-agent'),
      description: 'What the build agent (Claude Code) may do: invoke the build models, nothing else',
      assumedByRoleArn: this.taskRole.arn,
    });

    const buildModels = [config.models.buildModelId, config.models.buildSmallModelId];
    this.agentRole.addStatements(
      bedrockStatement(env, buildModels, ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']),
      ...inferenceProfileReads(stage, buildModels),
    );
    // The entrypoint's credential endpoint chains into the agent role (session name = build id).
    this.taskRole.addStatements({ actions: ['sts:AssumeRole'], resources: [this.agentRole.arn] });
    artifacts.grantObjects(this.taskRole, ARTIFACT_PREFIXES.builds, ['s3:GetObject', 's3:PutObject']);
    // The oi phase's entrypoint uploads the packages the agent wrote (tools/<toolName>/<sha256>.zip).
    artifacts.grantObjects(this.taskRole, ARTIFACT_PREFIXES.tools, ['s3:PutObject']);
    props.repository.grantPull(this.executionRole);
    this.logGroup.grantWrite(this.executionRole);

    const environment: Record<string, string> = {
      ARTIFACTS_BUCKET: artifacts.name,
      AWS_REGION: env.region,
      FABLE_AGENT_ROLE_ARN: this.agentRole.arn,
      CLAUDE_CODE_USE_BEDROCK: '1',
      CLAUDE_CODE_SKIP_OOBE: '1',
      ...agentModelEnvironment(config.models),
      // Each phase's own deadline; the entrypoint picks the one of FABLE_PHASE.
      FABLE_CORE_TIMEOUT_SECONDS: String(config.phases.core.agentTimeoutSeconds),
      FABLE_OI_TIMEOUT_SECONDS: String(config.phases.oi.agentTimeoutSeconds),
    };
    const container = {
      name: BUILD_CONTAINER_NAME,
      image: props.imageUri,
      essential: true,
      user: BUILD_CONTAINER_USER,
      readonlyRootFilesystem: true,
      linuxParameters: { capabilities: { drop: [...DROPPED_CAPABILITIES] } },
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
      family,
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
}

/** Claude Code looks up the inference profiles it is configured with before using them. */
function inferenceProfileReads(stage: FableStage, modelIds: readonly string[]): PolicyStatement[] {
  const profiles = [...new Set(modelIds.filter(isInferenceProfile))].map((id) => inferenceProfileArn(stage.env, id));
  if (profiles.length === 0) return [];
  return [
    { actions: ['bedrock:GetInferenceProfile'], resources: profiles },
    { actions: ['bedrock:ListInferenceProfiles'], resources: ['*'] },
  ];
}
