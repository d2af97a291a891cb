import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { FableRole } from '../iam/fable-role';
import { FableStage } from '../stage/fable-stage';

export interface LogGroupProps {
  readonly name: string;
  /** Default: the stage's `logRetentionDays`. */
  readonly retentionDays?: number;
}

/** A CloudWatch log group created by Terraform, so retention is set and destroy cleans it up. */
export class LogGroup extends Construct {
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: LogGroupProps) {
    super(scope, id);
    this.logGroup = new CloudwatchLogGroup(this, 'group', {
      name: props.name,
      retentionInDays: props.retentionDays ?? FableStage.of(this).config.logRetentionDays,
    });
  }

  get name(): string {
    return this.logGroup.name;
  }

  get arn(): string {
    return this.logGroup.arn;
  }

  /** Let a role write events to this group only (streams are created inside it). */
  grantWrite(role: FableRole): void {
    role.addStatements({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [`${this.logGroup.arn}:*`],
    });
  }
}
