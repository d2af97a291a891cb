import { Construct } from 'constructs';
import type { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { TOOL_TAGS } from '../../lambdas/shared/contract';
import type { StageConfig } from '../config';
import type { AwsEnvironment } from '../platform/aws-environment';
import type { FableRole } from '../iam/fable-role';
import type { PolicyStatement } from '../iam/policy-document';
import type { SecureBucket } from '../storage/secure-bucket';
import type { FableTables } from '../data/tables';
import { ARTIFACT_PREFIXES } from '../data/artifacts-bucket';
import { LAMBDA_RUNTIME, NodeLambda, type InvokableFunction } from '../compute/node-lambda';
import type { LambdaBundles } from '../bundling/lambda-bundle';
import { ToolArns } from './tool-arns';
import { ToolExecutionRole } from './tool-execution-role';

export interface ToolHostingProps {
  readonly config: StageConfig;
  readonly env: AwsEnvironment;
  readonly bundles: LambdaBundles;
  readonly tables: FableTables;
  readonly artifacts: SecureBucket;
  /** The memory Lambda, which deployed tools may call. */
  readonly memory: InvokableFunction;
}

/** Long enough for the three bounded waits of a deploy that adopts a half-created function. */
const DEPLOYER_TIMEOUT_SECONDS = 600;

/**
 * Tool hosting: the role tools run as (with its boundary) and the tool-deployer Lambda, whose IAM
 * is the guard rail around functions no Terraform plan ever shows. The deployer can only touch
 * `fable-<stage>-tool-*` functions (never itself), only create them tagged for this stage, only
 * give them the bounded execution role, and only expose them through AWS_IAM Function URLs.
 */
export class ToolHosting extends Construct {
  readonly toolDeployer: NodeLambda<'tool-deployer'>;
  readonly executionRole: FableRole;
  readonly boundary: IamPolicy;
  /** `fable-<stage>-tool-`: every tool function's name starts with it. */
  readonly functionPrefix: string;
  private readonly arns: ToolArns;

  constructor(scope: Construct, id: string, props: ToolHostingProps) {
    super(scope, id);
    const { config, env, bundles, tables, artifacts } = props;
    this.arns = new ToolArns(config, env);
    this.functionPrefix = this.arns.functionPrefix;

    const execution = new ToolExecutionRole(this, 'execution', {
      config,
      env,
      arns: this.arns,
      artifacts,
      memory: props.memory,
    });
    this.executionRole = execution.role;
    this.boundary = execution.boundary;

    this.toolDeployer = new NodeLambda(this, 'deployer', {
      config,
      env,
      name: 'tool-deployer',
      description: 'Deploys, updates, undeploys and lists FABLE tools (Lambdas behind AWS_IAM Function URLs)',
      bundles,
      timeoutSeconds: DEPLOYER_TIMEOUT_SECONDS,
      environment: {
        TOOLS_TABLE: tables.tools.name,
        ARTIFACTS_BUCKET: artifacts.name,
        TOOL_ROLE_ARN: this.executionRole.arn,
        TOOL_FUNCTION_PREFIX: this.functionPrefix,
        TOOL_RUNTIME: LAMBDA_RUNTIME,
        TOOL_BOUNDARY_ARN: this.boundary.arn,
        TOOL_LOG_RETENTION_DAYS: String(config.logRetentionDays),
      },
    });
    if (this.toolDeployer.functionName !== this.arns.deployerName) {
      throw new Error(`tool-deployer is named ${this.toolDeployer.functionName}, expected ${this.arns.deployerName}.`);
    }

    const deployerRole = this.toolDeployer.role;
    deployerRole.addStatements(...this.deployerStatements(config.stage));
    tables.tools.grant(deployerRole, [
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    // CreateFunction/UpdateFunctionCode from S3 read the bundle with the caller's credentials.
    artifacts.grantObjects(deployerRole, ARTIFACT_PREFIXES.tools, ['s3:GetObject']);
  }

  /** Let a role (chat) invoke deployed tools, and nothing else under the tool prefix. */
  grantInvokeTools(role: FableRole): void {
    role.addStatements(
      { actions: ['lambda:InvokeFunction'], resources: [this.arns.toolFunctions] },
      { effect: 'Deny', actions: ['lambda:InvokeFunction'], resources: [...this.arns.deployerFunction] },
    );
  }

  private deployerStatements(stage: string): PolicyStatement[] {
    const tools = [this.arns.toolFunctions];
    return [
      {
        sid: 'ManageToolFunctions',
        actions: [
          'lambda:DeleteFunction',
          'lambda:DeleteFunctionUrlConfig',
          'lambda:GetFunction',
          'lambda:GetFunctionUrlConfig',
          // GetFunction on a tagged function also needs ListTags.
          'lambda:ListTags',
          'lambda:UpdateFunctionCode',
          'lambda:UpdateFunctionConfiguration',
        ],
        resources: tools,
      },
      {
        // Tag-on-create is authorized as TagResource too; both must carry this stage's tags only.
        sid: 'CreateStageTaggedToolFunctions',
        actions: ['lambda:CreateFunction', 'lambda:TagResource'],
        resources: tools,
        conditions: {
          StringEquals: { [`aws:RequestTag/${TOOL_TAGS.stage}`]: stage },
          'ForAllValues:StringEquals': { 'aws:TagKeys': Object.values(TOOL_TAGS) },
        },
      },
      {
        sid: 'IamAuthenticatedFunctionUrlsOnly',
        actions: ['lambda:CreateFunctionUrlConfig', 'lambda:UpdateFunctionUrlConfig'],
        resources: tools,
        conditions: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
      },
      {
        sid: 'NeverChangeTheDeployer',
        effect: 'Deny',
        actions: ['lambda:*'],
        resources: [...this.arns.deployerFunction],
      },
      {
        sid: 'PassOnlyTheToolExecutionRole',
        actions: ['iam:PassRole'],
        resources: [this.executionRole.arn],
        conditions: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
      },
    ];
  }
}
