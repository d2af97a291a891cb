/**
 * Service integrations. ARNs, names and ids are opaque strings (at synth time they are
 * Terraform tokens), so they are placed as given and never parsed. Each integration also
 * returns the IAM statements its call needs, which the graph gathers for the machine's role.
 */
import type { ArnFormatter } from '../platform/aws-environment';
import { type Dynamic, runtimePattern } from './intrinsics';
import { JsonPath, jsonPath } from './paths';
import type { PayloadField, PayloadTemplate } from './payload';
import type { TaskIntegration } from './state-base';

function opaque(value: string, field: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${field} must be a non-empty string`);
  return value;
}

/** `arn:<partition>:states:::<action>`; the partition comes from the caller (aws, aws-cn, aws-us-gov...). */
export function serviceIntegrationArn(partition: string, action: string): string {
  return `arn:${opaque(partition, 'partition')}:states:::${opaque(action, 'action')}`;
}

export interface LambdaInvokeProps {
  readonly partition: string;
  readonly functionArn: string;
  /** The event: a template, or a path/intrinsic for the whole payload (e.g. `jsonPath('$')`). */
  readonly payload?: PayloadTemplate | Dynamic;
}

/** Optimized `lambda:invoke` (request-response). The result is `{Payload, StatusCode, ...}`. */
export function lambdaInvoke(props: LambdaInvokeProps): TaskIntegration {
  const functionArn = opaque(props.functionArn, 'functionArn');
  return {
    resource: serviceIntegrationArn(props.partition, 'lambda:invoke'),
    parameters: {
      FunctionName: functionArn,
      ...(props.payload !== undefined && { Payload: props.payload }),
    },
    policies: [{ actions: ['lambda:InvokeFunction'], resources: [functionArn] }],
  };
}

/** The context object's token of a `.waitForTaskToken` task: whoever holds it can end the task. */
export const TASK_TOKEN: JsonPath = jsonPath('$$.Task.Token');

function carriesToken(field: PayloadField | undefined): boolean {
  if (field instanceof JsonPath) return field.path === TASK_TOKEN.path;
  if (Array.isArray(field)) return field.some((item) => carriesToken(item as PayloadField));
  if (field !== null && typeof field === 'object' && !(field instanceof JsonPath)) {
    return Object.values(field as PayloadTemplate).some(carriesToken);
  }
  return false;
}

export interface LambdaInvokeWaitForTaskTokenProps {
  readonly partition: string;
  readonly functionArn: string;
  /** The event, built around the task token, which it must carry: nobody else could end the task. */
  readonly payload: (taskToken: JsonPath) => PayloadTemplate;
}

/**
 * `lambda:invoke.waitForTaskToken`: invokes the function with the task token, then waits until
 * someone calls SendTaskSuccess (its output is the task's result) or SendTaskFailure (its error
 * fails the task) with that token. The function's own answer is ignored. Such a task must have a
 * timeout (the default is a year), which TaskState enforces.
 */
export function lambdaInvokeWaitForTaskToken(props: LambdaInvokeWaitForTaskTokenProps): TaskIntegration {
  const functionArn = opaque(props.functionArn, 'functionArn');
  const payload = props.payload(TASK_TOKEN);
  if (!carriesToken(payload)) throw new Error('lambdaInvokeWaitForTaskToken: the payload must carry the task token it is given');
  return {
    resource: serviceIntegrationArn(props.partition, 'lambda:invoke.waitForTaskToken'),
    parameters: { FunctionName: functionArn, Payload: payload },
    policies: [{ actions: ['lambda:InvokeFunction'], resources: [functionArn] }],
    waitsForCallback: true,
  };
}

/** ResultSelector that keeps only the function's response (drops StatusCode, SdkHttpMetadata, ...). */
export const LAMBDA_PAYLOAD_ONLY: PayloadTemplate = { Payload: jsonPath('$.Payload') };

export interface ContainerOverride {
  readonly name: string;
  /** Environment variables by name; a Dynamic value is resolved at run time (`Value.$`). */
  readonly environment: { readonly [name: string]: string | Dynamic };
}

/** The EventBridge rule Step Functions manages itself to learn when a `.sync` ECS task stops. */
export const ECS_SYNC_RULE = 'StepFunctionsGetEventsForECSTaskRule';

export interface EcsRunTaskProps {
  readonly aws: ArnFormatter;
  readonly clusterArn: string;
  /** The cluster's name (its tasks are `task/<clusterName>/*`). */
  readonly clusterName: string;
  /** Pin a revision (`...:task-definition/family:N`) so a run never picks up an unreviewed one. */
  readonly taskDefinitionArn: string;
  /** The task definition's task role and execution role, which ECS must be handed. */
  readonly passRoleArns: readonly string[];
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  /** Defaults to false: tasks reach AWS through NAT / endpoints, never through a public IP. */
  readonly assignPublicIp?: boolean;
  readonly containerOverrides?: readonly ContainerOverride[];
}

function nonEmptyList(values: readonly string[], field: string): string[] {
  if (!Array.isArray(values) || values.length === 0) throw new Error(`${field} needs at least one entry`);
  return values.map((v, i) => opaque(v, `${field}[${i}]`));
}

/**
 * `ecs:runTask.sync` on Fargate: waits until the task stops; a non-zero exit fails the state
 * (States.TaskFailed). Its role may start this task definition in this cluster only, watch and
 * stop the cluster's tasks, manage the events rule `.sync` relies on, and pass exactly the
 * task definition's roles to ECS.
 */
export function ecsRunTaskSync(props: EcsRunTaskProps): TaskIntegration {
  const overrides = props.containerOverrides ?? [];
  const clusterArn = opaque(props.clusterArn, 'clusterArn');
  const taskDefinitionArn = opaque(props.taskDefinitionArn, 'taskDefinitionArn');
  const { aws } = props;
  return {
    resource: serviceIntegrationArn(aws.partition, 'ecs:runTask.sync'),
    parameters: {
      Cluster: clusterArn,
      TaskDefinition: taskDefinitionArn,
      LaunchType: 'FARGATE',
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          Subnets: nonEmptyList(props.subnetIds, 'subnetIds'),
          SecurityGroups: nonEmptyList(props.securityGroupIds, 'securityGroupIds'),
          AssignPublicIp: props.assignPublicIp ? 'ENABLED' : 'DISABLED',
        },
      },
      ...(overrides.length > 0 && {
        Overrides: {
          ContainerOverrides: overrides.map((o) => ({
            Name: opaque(o.name, 'container name'),
            Environment: Object.entries(o.environment).map(([name, value]) => ({ Name: name, Value: value })),
          })),
        },
      }),
    },
    policies: [
      { actions: ['ecs:RunTask'], resources: [taskDefinitionArn], conditions: { ArnEquals: { 'ecs:cluster': clusterArn } } },
      {
        actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
        resources: [aws.arn({ service: 'ecs', resource: `task/${opaque(props.clusterName, 'clusterName')}/*` })],
      },
      {
        actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
        resources: [aws.arn({ service: 'events', resource: `rule/${ECS_SYNC_RULE}` })],
      },
      {
        actions: ['iam:PassRole'],
        resources: nonEmptyList(props.passRoleArns, 'passRoleArns'),
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
    ],
  };
}

export interface S3GetObjectProps {
  readonly partition: string;
  readonly bucket: string;
  readonly key: string | Dynamic;
}

/**
 * AWS SDK `s3:getObject`; the result's `Body` is the object as a string. Its role may read the
 * keys the task can name: a literal key, or a `format` template with each placeholder as `*`.
 */
export function s3GetObject(props: S3GetObjectProps): TaskIntegration {
  const bucket = opaque(props.bucket, 'bucket');
  const key = typeof props.key === 'string' ? opaque(props.key, 'key') : props.key;
  return {
    resource: serviceIntegrationArn(props.partition, 'aws-sdk:s3:getObject'),
    parameters: { Bucket: bucket, Key: key },
    policies: [{ actions: ['s3:GetObject'], resources: [`arn:${props.partition}:s3:::${bucket}/${runtimePattern(key)}`] }],
  };
}
