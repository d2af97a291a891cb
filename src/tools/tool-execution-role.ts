import { Construct } from 'constructs';
import { Lazy } from 'cdktf';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { FableStage } from '../stage/fable-stage';
import { FableRole } from '../iam/fable-role';
import { policyDocument, type PolicyStatement } from '../iam/policy-document';
import type { ToolArns } from './tool-arns';

export interface ToolExecutionRoleProps {
  readonly arns: ToolArns;
}

const LOG_WRITE_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/**
 * Everything a deployed tool may do: write to its own log group (which the deployer creates with
 * retention) and send traces. Generated code calls nothing of FABLE's and reads nothing in the
 * artifacts bucket (Lambda fetches a tool's code with the deployer's rights, at deploy). Written
 * once and used twice, as the role's policy and as its boundary.
 */
export function toolExecutionStatements(props: ToolExecutionRoleProps): PolicyStatement[] {
  const { arns } = props;
  return [
    { sid: 'WriteOwnLogs', actions: LOG_WRITE_ACTIONS, resources: [arns.toolLogStreams] },
    { sid: 'NeverWriteDeployerLogs', effect: 'Deny', actions: LOG_WRITE_ACTIONS, resources: [arns.deployerLogStreams] },
    { sid: 'Traces', actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resources: ['*'] },
  ];
}

/**
 * `fable-<stage>-tool-execution`, the role every runtime-deployed tool runs as, and the managed
 * policy `fable-<stage>-tool-boundary` set as its permissions boundary: whatever is later attached
 * to the role, its effective permissions never exceed the statements above.
 */
export class ToolExecutionRole extends Construct {
  readonly role: FableRole;
  readonly boundary: IamPolicy;

  constructor(scope: Construct, id: string, props: ToolExecutionRoleProps) {
    super(scope, id);
    const stage = FableStage.of(this);
    const statements = toolExecutionStatements(props);
    this.boundary = new IamPolicy(this, 'boundary', {
      name: stage.iamName('tool-boundary'),
      description: 'Permissions boundary of every FABLE tool: the most a deployed tool can ever do',
      // With the stage's guards, as the role has them (FableRole): the same document twice.
      policy: Lazy.stringValue({ produce: () => policyDocument([...statements, ...stage.roleGuardStatements()]) }),
    });
    this.role = new FableRole(this, 'role', {
      name: stage.iamName('tool-execution'),
      description: 'Role that runtime-deployed FABLE tools run as',
      service: 'lambda.amazonaws.com',
      permissionsBoundary: this.boundary.arn,
    });
    this.role.addStatements(...statements);
  }
}
