import { Construct } from 'constructs';
import type { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { TOOL_TAGS, type ToolsBinding } from '../../lambdas/shared/contract';
import { FableStage } from '../stage/fable-stage';
import type { FableRole } from '../iam/fable-role';
import type { PolicyStatement } from '../iam/policy-document';
import { NodeLambda } from '../compute/node-lambda';
import type { BindingProvider, ResolvedBinding } from '../bindings/binding-provider';
import { ToolArns } from './tool-arns';
import { ToolExecutionRole } from './tool-execution-role';

/**
 * Tool hosting: the role tools run as (with its boundary) and the tool-deployer Lambda, whose IAM
 * is the guard rail around functions no Terraform plan ever shows. The deployer can only touch
 * `fable-<stage>-tool-*` functions and their log groups (never its own), only create them tagged
 * for this stage, only give them the bounded execution role, and only expose them through AWS_IAM
 * Function URLs. Lambdas bind to it for the tool function prefix (to invoke or to manage tools),
 * the execution role (to pass it) and the boundary.
 */
export class ToolHosting extends Construct implements BindingProvider<ToolsBinding> {
  readonly toolDeployer: NodeLambda<'tool-deployer'>;
  readonly executionRole: FableRole;
  readonly boundary: IamPolicy;
  private readonly arns: ToolArns;
  private readonly stageName: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stage = FableStage.of(this);
    this.arns = new ToolArns(stage);
    this.stageName = stage.config.stage;

    const execution = new ToolExecutionRole(this, 'execution', { arns: this.arns });
    this.executionRole = execution.role;
    this.boundary = execution.boundary;
    stage.provide<ToolsBinding>('tools', this);

    this.toolDeployer = new NodeLambda(this, 'deployer', {
      name: 'tool-deployer',
      description: 'Deploys, updates, undeploys and lists FABLE tools (Lambdas behind AWS_IAM Function URLs)',
    });
    if (this.toolDeployer.functionName !== this.arns.deployerName) {
      throw new Error(`tool-deployer is named ${this.toolDeployer.functionName}, expected ${this.arns.deployerName}.`);
    }
  }

  /** `fable-<stage>-tool-`: every tool function's name starts with it. */
  get functionPrefix(): string {
    return this.arns.functionPrefix;
  }

  resolveBinding(binding: ToolsBinding): ResolvedBinding {
    switch (binding.tools) {
      case 'functions':
        return {
          value: this.functionPrefix,
          statements: binding.access === 'invoke' ? this.invokeToolsStatements() : this.manageToolsStatements(),
        };
      case 'execution-role':
        return {
          value: this.executionRole.arn,
          statements: [
            {
              sid: 'PassOnlyTheToolExecutionRole',
              actions: ['iam:PassRole'],
              resources: [this.executionRole.arn],
              conditions: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
            },
          ],
        };
      case 'boundary':
        return { value: this.boundary.arn, statements: [] };
    }
  }

  /** Invoke deployed tools, and nothing else under the tool prefix. */
  invokeToolsStatements(): PolicyStatement[] {
    return [
      { actions: ['lambda:InvokeFunction'], resources: [this.arns.toolFunctions] },
      { effect: 'Deny', actions: ['lambda:InvokeFunction'], resources: [...this.arns.deployerFunction] },
    ];
  }

  private manageToolsStatements(): PolicyStatement[] {
    const tools = [this.arns.toolFunctions];
    const logGroupActions = ['logs:CreateLogGroup', 'logs:PutRetentionPolicy', 'logs:TagResource'];
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
          // Immutable versions behind the `live` alias (rollback moves it), and each tool's reserved concurrency.
          'lambda:PublishVersion',
          'lambda:CreateAlias',
          'lambda:UpdateAlias',
          'lambda:PutFunctionConcurrency',
        ],
        resources: tools,
      },
      {
        // Tag-on-create is authorized as TagResource too; both must carry this stage's tags only.
        sid: 'CreateStageTaggedToolFunctions',
        actions: ['lambda:CreateFunction', 'lambda:TagResource'],
        resources: tools,
        conditions: {
          StringEquals: { [`aws:RequestTag/${TOOL_TAGS.stage}`]: this.stageName },
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
      // The deployer creates each tool's log group with retention before the tool first logs.
      { sid: 'ToolLogGroups', actions: logGroupActions, resources: [this.arns.toolLogGroups] },
      { sid: 'NeverChangeTheDeployerLogs', effect: 'Deny', actions: logGroupActions, resources: [...this.arns.deployerLogGroup] },
    ];
  }
}
