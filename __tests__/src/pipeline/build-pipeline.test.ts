import { findResource, resourcesOf, type StackJson } from '../../helpers/synth';
import {
  IMAGE_TAG,
  TOOL_DEPLOYER_ARN,
  WEBSOCKET_API_ARN,
  WEBSOCKET_ENDPOINT,
  reference,
  roleStatements,
  synthPipelineStack,
  trustPolicy,
} from '../../helpers/pipeline-stack';
import { resolveTokens } from '../../helpers/terraform-tokens';
import { PHASE_TIMEOUT_MARGIN_SECONDS, stageConfig } from '../../../src/config';
import { BUILD_SLOT_MARGIN_SECONDS } from '../../../src/stage/fable-stage';

type AslValidator = (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };
// asl-validator ships no type declarations.
const aslValidator = require('asl-validator') as AslValidator;

let dev: StackJson;
let prod: StackJson;

beforeAll(async () => {
  dev = (await synthPipelineStack('dev')).json;
  prod = (await synthPipelineStack('prod')).json;
  PARTITION = dataRef('aws_partition', 'partition');
  REGION = dataRef('aws_region', 'region');
  ACCOUNT = dataRef('aws_caller_identity', 'account_id');
});

/** `${data.type.id.attribute}` of the stack's single data source of that type. */
function dataRef(type: string, attribute: string): string {
  const ids = Object.keys(dev.data?.[type] ?? {});
  if (ids.length !== 1) throw new Error(`Expected one data.${type}, found ${ids.length}`);
  return `\${data.${type}.${ids[0]}.${attribute}}`;
}
let PARTITION: string;
let REGION: string;
let ACCOUNT: string;
const arn = (service: string, resource: string) => `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${resource}`;
const SONNET = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const HAIKU = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

const ref = (json: StackJson, type: string, name: string, attribute: string, key = 'name') =>
  reference(json, type, (r) => r[key] === name, attribute);
const bucketArn = (json: StackJson) => reference(json, 'aws_s3_bucket', () => true, 'arn');
const tableArn = (json: StackJson, name: string) => ref(json, 'aws_dynamodb_table', name, 'arn');
const logGroupArn = (json: StackJson, name: string) => ref(json, 'aws_cloudwatch_log_group', name, 'arn');

describe('ECR repository', () => {
  test('is immutable, scanned on push, AES256 encrypted, force-deleted only in dev', () => {
    expect(findResource(dev, 'aws_ecr_repository', () => true)).toEqual({
      name: 'fable-dev-build',
      image_tag_mutability: 'IMMUTABLE',
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: 'AES256' }],
      force_delete: true,
    });
    expect(findResource(prod, 'aws_ecr_repository', () => true).force_delete).toBe(false);
  });

  test('keeps the 10 newest images', () => {
    const lifecycle = findResource(dev, 'aws_ecr_lifecycle_policy', () => true);
    expect(lifecycle.repository).toBe(ref(dev, 'aws_ecr_repository', 'fable-dev-build', 'name'));
    expect(JSON.parse(lifecycle.policy)).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: 'Keep the 10 newest images',
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 },
          action: { type: 'expire' },
        },
      ],
    });
  });
});

describe('ECS cluster and task definition', () => {
  test('the cluster has Container Insights as configured per stage', () => {
    expect(findResource(dev, 'aws_ecs_cluster', () => true)).toEqual({
      name: 'fable-dev-builds',
      setting: [{ name: 'containerInsights', value: 'disabled' }],
    });
    expect(findResource(prod, 'aws_ecs_cluster', () => true).setting).toEqual([{ name: 'containerInsights', value: 'enabled' }]);
  });

  test('the task definition is Fargate/awsvpc with the configured size and platform, and separate roles', () => {
    const task = findResource(dev, 'aws_ecs_task_definition', () => true);
    expect({ ...task, container_definitions: undefined }).toEqual({
      family: 'fable-dev-build',
      requires_compatibilities: ['FARGATE'],
      network_mode: 'awsvpc',
      cpu: '1024',
      memory: '2048',
      runtime_platform: { operating_system_family: 'LINUX', cpu_architecture: 'ARM64' },
      task_role_arn: ref(dev, 'aws_iam_role', 'fable-dev-build-task', 'arn'),
      execution_role_arn: ref(dev, 'aws_iam_role', 'fable-dev-build-task-execution', 'arn'),
      volume: [{ name: 'work' }, { name: 'tmp' }],
      container_definitions: undefined,
    });
  });

  test('the container starts as root (to hand the agent its own user), drops the capabilities it does not need, on a read-only root with only static, secret-free env', () => {
    const task = findResource(dev, 'aws_ecs_task_definition', () => true);
    const containers = JSON.parse(task.container_definitions);
    expect(containers).toEqual([
      {
        name: 'fable-build',
        image: `${ref(dev, 'aws_ecr_repository', 'fable-dev-build', 'repository_url')}:${IMAGE_TAG}`,
        essential: true,
        user: '0',
        readonlyRootFilesystem: true,
        linuxParameters: { capabilities: { drop: ['AUDIT_WRITE', 'FSETID', 'MKNOD', 'NET_BIND_SERVICE', 'NET_RAW', 'SETFCAP', 'SYS_CHROOT'] } },
        stopTimeout: 120,
        environment: [
          { name: 'ANTHROPIC_DEFAULT_HAIKU_MODEL', value: HAIKU },
          { name: 'ANTHROPIC_DEFAULT_OPUS_MODEL', value: SONNET },
          { name: 'ANTHROPIC_DEFAULT_SONNET_MODEL', value: SONNET },
          { name: 'ANTHROPIC_MODEL', value: SONNET },
          { name: 'ANTHROPIC_SMALL_FAST_MODEL', value: HAIKU },
          { name: 'ARTIFACTS_BUCKET', value: reference(dev, 'aws_s3_bucket', () => true, 'bucket') },
          { name: 'AWS_REGION', value: REGION },
          { name: 'CLAUDE_CODE_SKIP_OOBE', value: '1' },
          { name: 'CLAUDE_CODE_SUBAGENT_MODEL', value: SONNET },
          { name: 'CLAUDE_CODE_USE_BEDROCK', value: '1' },
          { name: 'FABLE_AGENT_ROLE_ARN', value: ref(dev, 'aws_iam_role', 'fable-dev-build-agent', 'arn') },
          { name: 'FABLE_CORE_TIMEOUT_SECONDS', value: String(45 * 60 - PHASE_TIMEOUT_MARGIN_SECONDS) },
          { name: 'FABLE_OI_TIMEOUT_SECONDS', value: String(60 * 60 - PHASE_TIMEOUT_MARGIN_SECONDS) },
        ],
        mountPoints: [
          { sourceVolume: 'work', containerPath: '/work', readOnly: false },
          { sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false },
        ],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': ref(dev, 'aws_cloudwatch_log_group', '/aws/ecs/fable-dev-build', 'name'),
            'awslogs-region': REGION,
            'awslogs-stream-prefix': 'build',
          },
        },
      },
    ]);
    expect(findResource(dev, 'aws_cloudwatch_log_group', (g) => g.name === '/aws/ecs/fable-dev-build').retention_in_days).toBe(14);
  });

  test('each phase gets its own agent deadline, ending before its task timeout so the failure record can be uploaded', () => {
    const { build, phases } = stageConfig('dev');
    const definition = JSON.parse(findResource(dev, 'aws_sfn_state_machine', () => true).definition);
    const containers = JSON.parse(findResource(dev, 'aws_ecs_task_definition', () => true).container_definitions);
    const env = Object.fromEntries(containers[0].environment.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(Number(env.FABLE_CORE_TIMEOUT_SECONDS)).toBe(build.coreTimeoutSeconds - PHASE_TIMEOUT_MARGIN_SECONDS);
    expect(Number(env.FABLE_OI_TIMEOUT_SECONDS)).toBe(build.oiTimeoutSeconds - PHASE_TIMEOUT_MARGIN_SECONDS);
    // The oi agent is no longer cut to the core phase's deadline.
    expect(Number(env.FABLE_OI_TIMEOUT_SECONDS)).toBeGreaterThan(Number(env.FABLE_CORE_TIMEOUT_SECONDS));
    expect(definition.States.RunCore.TimeoutSeconds).toBe(phases.core.taskTimeoutSeconds);
    expect(definition.States.RunOi.TimeoutSeconds).toBe(phases.oi.taskTimeoutSeconds);
  });
});

describe('build task roles', () => {
  test('both trust ECS tasks of this account only', () => {
    for (const name of ['fable-dev-build-task', 'fable-dev-build-task-execution']) {
      expect(trustPolicy(dev, name).Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'ecs-tasks.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
        },
      ]);
    }
  });

  test('the agent role trusts only the task role (role chaining)', () => {
    expect(trustPolicy(dev, 'fable-dev-build-agent').Statement).toEqual([
      { Effect: 'Allow', Principal: { AWS: ref(dev, 'aws_iam_role', 'fable-dev-build-task', 'arn') }, Action: 'sts:AssumeRole' },
    ]);
  });

  test('the task role may read and write its build artifacts, upload tool packages and assume the agent role; no model', () => {
    expect(roleStatements(dev, 'fable-dev-build-task')).toEqual([
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ref(dev, 'aws_iam_role', 'fable-dev-build-agent', 'arn') },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `${bucketArn(dev)}/builds/*` },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: `${bucketArn(dev)}/tools/*` },
    ]);
  });

  test('the agent role may invoke exactly the models the agent is pinned to and look up their profiles, nothing else', () => {
    expect(roleStatements(dev, 'fable-dev-build-agent')).toEqual([
      {
        Effect: 'Allow',
        Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        Resource: [
          arn('bedrock', `inference-profile/${SONNET}`),
          `arn:${PARTITION}:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0`,
          arn('bedrock', `inference-profile/${HAIKU}`),
          `arn:${PARTITION}:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0`,
        ],
      },
      { Effect: 'Allow', Action: 'bedrock:GetInferenceProfile', Resource: [arn('bedrock', `inference-profile/${SONNET}`), arn('bedrock', `inference-profile/${HAIKU}`)] },
      { Effect: 'Allow', Action: 'bedrock:ListInferenceProfiles', Resource: '*' },
    ]);
  });

  test('the execution role may pull from this repository and write the task log group, nothing else', () => {
    expect(roleStatements(dev, 'fable-dev-build-task-execution')).toEqual([
      {
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: ref(dev, 'aws_ecr_repository', 'fable-dev-build', 'arn'),
      },
      { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `${logGroupArn(dev, '/aws/ecs/fable-dev-build')}:*`,
      },
    ]);
  });
});

describe('state machine', () => {
  const machine = () => findResource(dev, 'aws_sfn_state_machine', () => true);

  test('is STANDARD with full logging (no execution data) to a vended log group, and tracing', () => {
    const sm = machine();
    expect(sm).toMatchObject({
      name: 'fable-dev-build-pipeline',
      type: 'STANDARD',
      role_arn: ref(dev, 'aws_iam_role', 'fable-dev-build-pipeline', 'arn'),
      logging_configuration: {
        level: 'ALL',
        include_execution_data: false,
        log_destination: `${logGroupArn(dev, '/aws/vendedlogs/states/fable-dev-build-pipeline')}:*`,
      },
      tracing_configuration: { enabled: true },
    });
    const group = findResource(dev, 'aws_cloudwatch_log_group', (g) => g.name === '/aws/vendedlogs/states/fable-dev-build-pipeline');
    expect(group.retention_in_days).toBe(14);
    expect(findResource(prod, 'aws_cloudwatch_log_group', (g) => g.name === '/aws/vendedlogs/states/fable-prod-build-pipeline').retention_in_days).toBe(90);
  });

  test('its role trusts Step Functions of this account and may do what the definition\'s tasks carry, plus logging and tracing', () => {
    expect(trustPolicy(dev, 'fable-dev-build-pipeline').Statement[0]).toMatchObject({
      Principal: { Service: 'states.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    });
    const cluster = ref(dev, 'aws_ecs_cluster', 'fable-dev-builds', 'arn');
    const bucket = reference(dev, 'aws_s3_bucket', () => true, 'bucket');
    expect(roleStatements(dev, 'fable-dev-build-pipeline')).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: ref(dev, 'aws_lambda_function', 'fable-dev-update-build-status', 'arn', 'function_name') },
      {
        Effect: 'Allow',
        Action: 'ecs:RunTask',
        // The pinned revision the definition runs, not the whole family.
        Resource: ref(dev, 'aws_ecs_task_definition', 'fable-dev-build', 'arn', 'family'),
        Condition: { ArnEquals: { 'ecs:cluster': cluster } },
      },
      { Effect: 'Allow', Action: ['ecs:DescribeTasks', 'ecs:StopTask'], Resource: arn('ecs', 'task/fable-dev-builds/*') },
      {
        Effect: 'Allow',
        Action: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
        Resource: arn('events', 'rule/StepFunctionsGetEventsForECSTaskRule'),
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: [ref(dev, 'aws_iam_role', 'fable-dev-build-task', 'arn'), ref(dev, 'aws_iam_role', 'fable-dev-build-task-execution', 'arn')],
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
      // Exactly the two output records the definition reads, not all of builds/.
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:${PARTITION}:s3:::${bucket}/builds/*/core-output.json` },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:${PARTITION}:s3:::${bucket}/builds/*/oi-output.json` },
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: TOOL_DEPLOYER_ARN },
      {
        Effect: 'Allow',
        Action: [
          'logs:CreateLogDelivery',
          'logs:DeleteLogDelivery',
          'logs:DescribeLogGroups',
          'logs:DescribeResourcePolicies',
          'logs:GetLogDelivery',
          'logs:ListLogDeliveries',
          'logs:PutResourcePolicy',
          'logs:UpdateLogDelivery',
        ],
        Resource: '*',
      },
      // Active tracing reads the sampling rules before it sends segments.
      { Effect: 'Allow', Action: ['xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
    ]);
  });

  test('the definition is valid ASL once its Terraform references are resolved', () => {
    const definition = JSON.parse(resolveTokens(dev, machine().definition));
    const { isValid, errorsText } = aslValidator(definition);
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  test('the definition runs the pinned task definition in the private subnets with the build security group', () => {
    const definition = JSON.parse(machine().definition);
    const taskArn = ref(dev, 'aws_ecs_task_definition', 'fable-dev-build', 'arn', 'family');
    const subnets = resourcesOf(dev, 'aws_subnet').filter((s) => s.tags.Tier === 'private');
    expect(subnets).toHaveLength(2);
    for (const state of ['RunCore', 'RunOi']) {
      expect(definition.States[state].Parameters).toMatchObject({
        Cluster: ref(dev, 'aws_ecs_cluster', 'fable-dev-builds', 'arn'),
        TaskDefinition: taskArn,
        LaunchType: 'FARGATE',
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            Subnets: subnets.map((s) => reference(dev, 'aws_subnet', (r) => r.tags.Name === s.tags.Name, 'id')),
            SecurityGroups: [ref(dev, 'aws_security_group', 'fable-dev-build-sg', 'id')],
            AssignPublicIp: 'DISABLED',
          },
        },
      });
    }
    expect(definition.States.RunCore.TimeoutSeconds).toBe(45 * 60);
    expect(definition.States.RunOi.TimeoutSeconds).toBe(60 * 60);
    // The build's own 2 h, plus the 24 h a person may take to approve it.
    expect(definition.TimeoutSeconds).toBe(2 * 60 * 60 + 24 * 60 * 60);
    expect(definition.States.AwaitApproval).toMatchObject({ Resource: expect.stringMatching(/:states:::lambda:invoke\.waitForTaskToken$/), TimeoutSeconds: 24 * 60 * 60 });
  });
});

describe('pipeline Lambdas', () => {
  const lambda = (name: string) => findResource(dev, 'aws_lambda_function', (f) => f.function_name === name);

  test('build-kickoff gets the builds table, the bucket, this state machine, the paused switch, the audit trail and the quotas; it may start, stop and answer only its executions', () => {
    expect(lambda('fable-dev-build-kickoff').environment.variables).toEqual({
      STAGE: 'dev',
      LOG_LEVEL: 'DEBUG',
      BUILDS_TABLE: ref(dev, 'aws_dynamodb_table', 'fable-dev-builds', 'name'),
      ARTIFACTS_BUCKET: reference(dev, 'aws_s3_bucket', () => true, 'bucket'),
      STATE_MACHINE_ARN: ref(dev, 'aws_sfn_state_machine', 'fable-dev-build-pipeline', 'arn'),
      BUILDS_PAUSED: 'false',
      AUDIT_TABLE: ref(dev, 'aws_dynamodb_table', 'fable-dev-audit', 'name'),
      QUOTAS_TABLE: ref(dev, 'aws_dynamodb_table', 'fable-dev-quotas', 'name'),
      QUOTA_LIMITS: JSON.stringify(stageConfig('dev').quotas),
      // An unfinished build counts against its org for at most its execution's timeout, the approval's 24 hours included (plus a margin).
      BUILD_SLOT_SECONDS: String(stageConfig('dev').build.pipelineTimeoutSeconds + 24 * 3600 + BUILD_SLOT_MARGIN_SECONDS),
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(roleStatements(dev, 'fable-dev-build-kickoff').slice(2)).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: tableArn(dev, 'fable-dev-builds') },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: `${bucketArn(dev)}/builds/*` },
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: ref(dev, 'aws_sfn_state_machine', 'fable-dev-build-pipeline', 'arn') },
      { Effect: 'Allow', Action: 'states:StopExecution', Resource: expect.stringMatching(/:states:.*:execution:fable-dev-build-pipeline:\*$/) },
      // The task token is the capability: IAM has no resource for these.
      { Effect: 'Allow', Action: ['states:SendTaskSuccess', 'states:SendTaskFailure'], Resource: '*' },
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: tableArn(dev, 'fable-dev-audit') },
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: tableArn(dev, 'fable-dev-quotas') },
    ]);
  });

  test('update-build-status gets the two tables, the management endpoint, the audit trail and the quotas, and may post to connections', () => {
    expect(lambda('fable-dev-update-build-status').environment.variables).toEqual({
      STAGE: 'dev',
      LOG_LEVEL: 'DEBUG',
      BUILDS_TABLE: ref(dev, 'aws_dynamodb_table', 'fable-dev-builds', 'name'),
      CONNECTIONS_TABLE: ref(dev, 'aws_dynamodb_table', 'fable-dev-connections', 'name'),
      WEBSOCKET_ENDPOINT,
      ARTIFACTS_BUCKET: reference(dev, 'aws_s3_bucket', () => true, 'bucket'),
      AUDIT_TABLE: ref(dev, 'aws_dynamodb_table', 'fable-dev-audit', 'name'),
      QUOTAS_TABLE: ref(dev, 'aws_dynamodb_table', 'fable-dev-quotas', 'name'),
      NODE_OPTIONS: '--enable-source-maps',
    });
    const connections = tableArn(dev, 'fable-dev-connections');
    expect(roleStatements(dev, 'fable-dev-update-build-status').slice(2)).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: tableArn(dev, 'fable-dev-builds') },
      // The tool bundles it hashes for the review.
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `${bucketArn(dev)}/tools/*` },
      // The item delete on the table, the query on the user index only.
      { Effect: 'Allow', Action: 'dynamodb:DeleteItem', Resource: connections },
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${connections}/index/userId-index` },
      { Effect: 'Allow', Action: 'execute-api:ManageConnections', Resource: WEBSOCKET_API_ARN },
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: tableArn(dev, 'fable-dev-audit') },
      // A build's final status gives back its org's build slot.
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: tableArn(dev, 'fable-dev-quotas') },
    ]);
  });
});
