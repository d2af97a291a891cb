import { Construct } from 'constructs';
import { TerraformAsset, AssetType, Lazy, Token } from 'cdktf';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { FUNCTION_SETTINGS, LAMBDA_BINDINGS, type Binding, type FunctionSettings, type InvokeBinding, type LambdaName } from '../../lambdas/shared/contract';
import { FableStage } from '../stage/fable-stage';
import { FableRole } from '../iam/fable-role';
import type { PolicyStatement } from '../iam/policy-document';
import { LogGroup } from '../observability/log-group';
import type { BindingProvider } from '../bindings/binding-provider';
import { LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME } from './runtime';
import { AsyncInvocation } from './async-invocation';

/** What another construct needs to call a function: its name, its ARN, and a grant. */
export interface InvokableFunction {
  readonly functionName: string;
  readonly arn: string;
  /** The statement letting a principal invoke this function (synchronously or asynchronously). */
  invokeStatement(): PolicyStatement;
}

export interface VpcPlacement {
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
}

export interface NodeLambdaProps<N extends LambdaName> {
  readonly name: N;
  readonly description: string;
  readonly vpc?: VpcPlacement;
}

interface Resolved {
  readonly environment: Record<string, string>;
  readonly statements: readonly PolicyStatement[];
}

/**
 * One FABLE Lambda: function `fable-<stage>-<name>` from its bundle, with the size and timeout
 * of the contract's FUNCTION_SETTINGS, its own role and log group, X-Ray tracing, and its
 * environment and permissions from its bindings in the contract (LAMBDA_BINDINGS). Bindings
 * are resolved at synth, once every construct of the stage exists, so construction order is free.
 * A function the contract says is invoked asynchronously gets bounded retries and a dead-letter
 * queue; every function registers with the stage for its alarms.
 */
export class NodeLambda<N extends LambdaName = LambdaName> extends Construct implements InvokableFunction, BindingProvider<InvokeBinding> {
  readonly function: LambdaFunction;
  readonly role: FableRole;
  readonly logGroup: LogGroup;
  readonly functionName: string;
  readonly name: N;
  private resolved?: Resolved;

  constructor(scope: Construct, id: string, props: NodeLambdaProps<N>) {
    super(scope, id);
    const stage = FableStage.of(this);
    const bundle = stage.bundle(props.name);
    const settings: FunctionSettings = FUNCTION_SETTINGS[props.name];
    this.name = props.name;
    this.functionName = stage.name(props.name);

    this.role = new FableRole(this, 'role', {
      name: stage.iamName(props.name),
      description: `Role of the ${this.functionName} Lambda`,
      service: 'lambda.amazonaws.com',
    });
    this.logGroup = new LogGroup(this, 'logs', { name: `/aws/lambda/${this.functionName}` });
    this.logGroup.grantWrite(this.role);
    this.role.addStatements({ actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resources: ['*'] });
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
    this.role.addStatementSource(() => this.bindings().statements);

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
      memorySize: settings.memoryMb,
      timeout: settings.timeoutSeconds,
      environment: {
        variables: Token.asStringMap(
          Lazy.anyValue({ produce: () => ({ ...this.bindings().environment, NODE_OPTIONS: '--enable-source-maps' }) }),
        ),
      },
      tracingConfig: { mode: 'Active' },
      // Lambda filters JSON records by their `level` at this level (INFO when unset, which would drop
      // dev's DEBUG) and tells Powertools Logger the same level (AWS_LAMBDA_LOG_LEVEL wins over LOG_LEVEL).
      loggingConfig: { logFormat: 'JSON', applicationLogLevel: stage.config.logLevel, logGroup: this.logGroup.name },
      vpcConfig: props.vpc,
      // The log group and permissions exist before the first invocation can log.
      dependsOn: [this.logGroup.logGroup, this.role.role, this.role.policy],
    });
    if (settings.asyncInvocation) {
      new AsyncInvocation(this, 'async', {
        name: props.name,
        function: this.function,
        role: this.role,
        settings: settings.asyncInvocation,
      });
    }
    stage.provide<InvokeBinding>(`function:${props.name}`, this);
    stage.monitor({ kind: 'function', name: props.name, functionName: this.functionName });
  }

  get arn(): string {
    return this.function.arn;
  }

  invokeStatement(): PolicyStatement {
    return { actions: ['lambda:InvokeFunction'], resources: [this.function.arn] };
  }

  /** A binding to this function: its name, and the right to invoke it. */
  resolveBinding(): { value: string; statements: PolicyStatement[] } {
    return { value: this.functionName, statements: [this.invokeStatement()] };
  }

  /** This Lambda's bindings from the contract, resolved against the stage's resources (once, at synth). */
  private bindings(): Resolved {
    if (!this.resolved) {
      const stage = FableStage.of(this);
      const declared: Record<string, Binding> = LAMBDA_BINDINGS[this.name];
      const environment: Record<string, string> = {};
      const statements: PolicyStatement[] = [];
      for (const [variable, binding] of Object.entries(declared)) {
        const resolved = stage.resolve(binding, `${this.functionName} (${variable})`);
        environment[variable] = resolved.value;
        statements.push(...resolved.statements);
      }
      this.resolved = { environment, statements };
    }
    return this.resolved;
  }
}
