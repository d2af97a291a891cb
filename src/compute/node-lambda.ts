import { Construct } from 'constructs';
import { TerraformAsset, AssetType } from 'cdktf';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import type { LambdaEnvironment, LambdaName } from '../../lambdas/shared/contract';
import { resourceName, type StageConfig } from '../config';
import type { AwsEnvironment } from '../platform/aws-environment';
import { FableRole } from '../iam/fable-role';
import { LogGroup } from '../observability/log-group';
import { requireBundle, type LambdaBundles } from '../bundling/lambda-bundle';

/** Every FABLE Lambda runs on this runtime and architecture (older Node.js runtimes can no longer be created). */
export const LAMBDA_RUNTIME = 'nodejs24.x';
export const LAMBDA_ARCHITECTURE = 'arm64';

/** What another construct needs to call a function: its name for the env, and a grant. */
export interface InvokableFunction {
  readonly functionName: string;
  readonly arn: string;
  grantInvoke(role: FableRole): void;
}

export interface VpcPlacement {
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
}

export interface NodeLambdaProps<N extends LambdaName> {
  readonly config: StageConfig;
  readonly env: AwsEnvironment;
  readonly name: N;
  readonly description: string;
  /** Every bundle of the synth; the function takes the one of its name. */
  readonly bundles: LambdaBundles;
  readonly environment: LambdaEnvironment<N>;
  readonly memorySize?: number;
  readonly timeoutSeconds?: number;
  readonly vpc?: VpcPlacement;
}

/**
 * One FABLE Lambda: function `fable-<stage>-<name>` from its bundle, its own role and log group,
 * X-Ray tracing, and config only from the shared env contract.
 */
export class NodeLambda<N extends LambdaName = LambdaName> extends Construct implements InvokableFunction {
  readonly function: LambdaFunction;
  readonly role: FableRole;
  readonly logGroup: LogGroup;
  readonly functionName: string;

  constructor(scope: Construct, id: string, props: NodeLambdaProps<N>) {
    super(scope, id);
    const { config, env } = props;
    const bundle = requireBundle(props.bundles, props.name);
    this.functionName = resourceName(config.stage, props.name);

    this.role = new FableRole(this, 'role', {
      name: this.functionName,
      description: `Role of the ${this.functionName} Lambda`,
      service: 'lambda.amazonaws.com',
      accountId: env.accountId,
    });
    this.logGroup = new LogGroup(this, 'logs', {
      name: `/aws/lambda/${this.functionName}`,
      retentionDays: config.logRetentionDays,
    });
    this.logGroup.grantWrite(this.role);
    this.role.addStatements({
      actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
      resources: ['*'],
    });
    if (props.vpc) {
      // The ENI actions Lambda needs to attach to the VPC (AWSLambdaVPCAccessExecutionRole); not scopable.
      this.role.addStatements({
        actions: [
          'ec2:AssignPrivateIpAddresses',
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      });
    }

    const asset = new TerraformAsset(this, 'code', { path: bundle.zipPath, type: AssetType.FILE });
    this.function = new LambdaFunction(this, 'function', {
      functionName: this.functionName,
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architectures: [LAMBDA_ARCHITECTURE],
      handler: bundle.handler,
      filename: asset.path,
      sourceCodeHash: bundle.sourceCodeHash,
      role: this.role.arn,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeoutSeconds ?? 30,
      environment: {
        variables: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      },
      tracingConfig: { mode: 'Active' },
      loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name },
      vpcConfig: props.vpc,
      // The log group and permissions exist before the first invocation can log.
      dependsOn: [this.logGroup.logGroup, this.role.role, this.role.policy],
    });
  }

  get arn(): string {
    return this.function.arn;
  }

  /** Let a role invoke this function (synchronously or asynchronously). */
  grantInvoke(role: FableRole): void {
    role.addStatements({ actions: ['lambda:InvokeFunction'], resources: [this.function.arn] });
  }
}
