/**
 * Service integrations. ARNs, names and ids are opaque strings (at synth time they are
 * Terraform tokens), so they are placed as given and never parsed.
 */
import type { Dynamic } from './intrinsics';
import { jsonPath } from './paths';
import type { PayloadTemplate } from './payload';
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
  return {
    resource: serviceIntegrationArn(props.partition, 'lambda:invoke'),
    parameters: {
      FunctionName: opaque(props.functionArn, 'functionArn'),
      ...(props.payload !== undefined && { Payload: props.payload }),
    },
  };
}

/** ResultSelector that keeps only the function's response (drops StatusCode, SdkHttpMetadata, ...). */
export const LAMBDA_PAYLOAD_ONLY: PayloadTemplate = { Payload: jsonPath('$.Payload') };

export interface ContainerOverride {
  readonly name: string;
  /** Environment variables by name; a Dynamic value is resolved at run time (`Value.$`). */
  readonly environment: { readonly [name: string]: string | Dynamic };
}

export interface EcsRunTaskProps {
  readonly partition: string;
  readonly clusterArn: string;
  /** Pin a revision (`...:task-definition/family:N`) so a run never picks up an unreviewed one. */
  readonly taskDefinitionArn: string;
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

/** `ecs:runTask.sync` on Fargate: waits until the task stops; a non-zero exit fails the state (States.TaskFailed). */
export function ecsRunTaskSync(props: EcsRunTaskProps): TaskIntegration {
  const overrides = props.containerOverrides ?? [];
  return {
    resource: serviceIntegrationArn(props.partition, 'ecs:runTask.sync'),
    parameters: {
      Cluster: opaque(props.clusterArn, 'clusterArn'),
      TaskDefinition: opaque(props.taskDefinitionArn, 'taskDefinitionArn'),
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
  };
}

export interface S3GetObjectProps {
  readonly partition: string;
  readonly bucket: string | Dynamic;
  readonly key: string | Dynamic;
}

/** AWS SDK `s3:getObject`; the result's `Body` is the object as a string. */
export function s3GetObject(props: S3GetObjectProps): TaskIntegration {
  return {
    resource: serviceIntegrationArn(props.partition, 'aws-sdk:s3:getObject'),
    parameters: {
      Bucket: typeof props.bucket === 'string' ? opaque(props.bucket, 'bucket') : props.bucket,
      Key: typeof props.key === 'string' ? opaque(props.key, 'key') : props.key,
    },
  };
}
