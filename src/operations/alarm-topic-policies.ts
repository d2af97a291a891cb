import { policyDocument } from '../iam/policy-document';
import type { ArnFormatter } from '../platform/aws-environment';

/** The AWS services that notify the alarm topic: CloudWatch alarms, and the stage budget (DESIGN.md section 10). */
export const NOTIFYING_SERVICES = ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com'] as const;

export interface AlarmTopicPolicyProps {
  readonly aws: ArnFormatter;
  readonly accountId: string;
  readonly topicArn: string;
  /** Names of the stage's alarms start with this (`fable-<stage>-`). */
  readonly alarmNamePrefix: string;
}

/**
 * The key policy of the topic's key. The account statement is KMS's default one: it lets IAM
 * policies in the account govern the key (without it nobody could ever manage or delete the key).
 * A publishing service encrypts with the topic's key under its own principal, so each notifying
 * service may generate data keys and decrypt, for this account only.
 */
export function alarmKeyPolicy(aws: ArnFormatter, accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AccountGovernsTheKey',
        Effect: 'Allow',
        Principal: { AWS: `arn:${aws.partition}:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'NotifyingServicesEncrypt',
        Effect: 'Allow',
        Principal: { Service: [...NOTIFYING_SERVICES] },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
      },
    ],
  });
}

/**
 * Who may publish to the alarm topic: the stage's own alarms, and budgets of this account. Publishing
 * without TLS is refused. The account's people and roles manage the topic through their IAM policies.
 */
export function alarmTopicPolicy(props: AlarmTopicPolicyProps): string {
  const { aws, accountId, topicArn } = props;
  const thisAccount = { StringEquals: { 'aws:SourceAccount': accountId } };
  return policyDocument([
    {
      sid: 'StageAlarmsPublish',
      principal: { Service: 'cloudwatch.amazonaws.com' },
      actions: ['sns:Publish'],
      resources: [topicArn],
      conditions: { ...thisAccount, ArnLike: { 'aws:SourceArn': aws.arn({ service: 'cloudwatch', resource: `alarm:${props.alarmNamePrefix}*` }) } },
    },
    {
      sid: 'BudgetsPublish',
      principal: { Service: 'budgets.amazonaws.com' },
      actions: ['sns:Publish'],
      resources: [topicArn],
      conditions: { ...thisAccount, ArnLike: { 'aws:SourceArn': aws.arn({ service: 'budgets', region: '', resource: '*' }) } },
    },
    {
      sid: 'DenyInsecureTransport',
      effect: 'Deny',
      principal: '*',
      actions: ['sns:Publish'],
      resources: [topicArn],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ]);
}
