import { AlarmTopic } from '../../../src/operations/alarm-topic';
import { NOTIFYING_SERVICES } from '../../../src/operations/alarm-topic-policies';
import { findResource, resourcesOf, synthJson, type StackJson } from '../../helpers/synth';
import { testStage } from '../../helpers/stage';
import { decideForService, type IamRequest, type PolicyDocument } from '../../helpers/iam-simulator';
import { FAKE_ACCOUNT, FAKE_REGION, resolveTokens } from '../../helpers/terraform-tokens';

const OTHER_ACCOUNT = '210987654321';
const TOPIC_ARN = `arn:aws:sns:${FAKE_REGION}:${FAKE_ACCOUNT}:fable-prod-alarms`;

function synthTopic(stage: string, alarmEmails?: string[]): StackJson {
  const { stack } = testStage({ stage, overrides: { alarmEmails } });
  new AlarmTopic(stack, 'alarm-topic');
  return synthJson(stack);
}

let prod: StackJson;
let topicPolicy: PolicyDocument;
let keyPolicy: PolicyDocument;

beforeAll(() => {
  prod = synthTopic('prod', ['oncall@example.com', 'Ops@Example.com']);
  topicPolicy = JSON.parse(resolveTokens(prod, resourcesOf(prod, 'aws_sns_topic_policy')[0].policy));
  keyPolicy = JSON.parse(resolveTokens(prod, resourcesOf(prod, 'aws_kms_key')[0].policy));
});

/** A service publishing to the topic on behalf of `sourceArn`. */
function publish(sourceArn: string, account = FAKE_ACCOUNT, secureTransport = 'true'): IamRequest {
  return { action: 'sns:Publish', resource: TOPIC_ARN, context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': account, 'aws:SecureTransport': secureTransport } };
}

const alarm = (name: string, account = FAKE_ACCOUNT) => `arn:aws:cloudwatch:${FAKE_REGION}:${account}:alarm:${name}`;

describe('AlarmTopic', () => {
  it('creates fable-<stage>-alarms encrypted with its own rotating customer managed key, aliased after the topic', () => {
    const key = resourcesOf(prod, 'aws_kms_key')[0];
    const keyRef = Object.keys(prod.resource.aws_kms_key)[0];
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(findResource(prod, 'aws_sns_topic', (t) => t.name === 'fable-prod-alarms').kms_master_key_id).toBe(`\${aws_kms_key.${keyRef}.arn}`);
    expect(resourcesOf(prod, 'aws_kms_alias')).toEqual([expect.objectContaining({ name: 'alias/fable-prod-alarms', target_key_id: `\${aws_kms_key.${keyRef}.key_id}` })]);
    // A stage that is torn down and rebuilt gives its key back sooner.
    expect(resourcesOf(synthTopic('dev'), 'aws_kms_key')[0].deletion_window_in_days).toBe(7);
  });

  it('subscribes each configured address by e-mail, named by address so reordering the list changes nothing', () => {
    const subscriptions = Object.entries(prod.resource.aws_sns_topic_subscription);
    expect(subscriptions.map(([, s]) => [s.protocol, s.endpoint]).sort()).toEqual([
      ['email', 'Ops@Example.com'],
      ['email', 'oncall@example.com'],
    ]);
    const topicRef = Object.keys(prod.resource.aws_sns_topic)[0];
    for (const [, subscription] of subscriptions) expect(subscription.topic_arn).toBe(`\${aws_sns_topic.${topicRef}.arn}`);
    const reordered = synthTopic('prod', ['Ops@Example.com', 'oncall@example.com']);
    expect(Object.keys(reordered.resource.aws_sns_topic_subscription).sort()).toEqual(subscriptions.map(([id]) => id).sort());
  });

  it('subscribes nobody when the stage names no address (dev by default)', () => {
    expect(resourcesOf(synthTopic('dev'), 'aws_sns_topic_subscription')).toEqual([]);
  });

  it('lets the stage\'s own alarms publish, and no alarm of another stage or account', async () => {
    expect(await decideForService('cloudwatch.amazonaws.com', topicPolicy, publish(alarm('fable-prod-chat-errors')))).toBe('Allowed');
    expect(await decideForService('cloudwatch.amazonaws.com', topicPolicy, publish(alarm('fable-dev-chat-errors')))).toBe('ImplicitlyDenied');
    expect(await decideForService('cloudwatch.amazonaws.com', topicPolicy, publish(alarm('fable-prod-chat-errors', OTHER_ACCOUNT), OTHER_ACCOUNT))).toBe(
      'ImplicitlyDenied',
    );
  });

  it('lets this account\'s budgets publish (the stage budget of the spend caps), and refuses publishing without TLS', async () => {
    const budget = `arn:aws:budgets::${FAKE_ACCOUNT}:budget/fable-prod`;
    expect(await decideForService('budgets.amazonaws.com', topicPolicy, publish(budget))).toBe('Allowed');
    expect(await decideForService('budgets.amazonaws.com', topicPolicy, publish(`arn:aws:budgets::${OTHER_ACCOUNT}:budget/x`, OTHER_ACCOUNT))).toBe(
      'ImplicitlyDenied',
    );
    expect(await decideForService('cloudwatch.amazonaws.com', topicPolicy, publish(alarm('fable-prod-chat-errors'), FAKE_ACCOUNT, 'false'))).toBe(
      'ExplicitlyDenied',
    );
    expect(await decideForService('events.amazonaws.com', topicPolicy, publish(`arn:aws:events:${FAKE_REGION}:${FAKE_ACCOUNT}:rule/x`))).toBe(
      'ImplicitlyDenied',
    );
  });

  it('lets the notifying services encrypt with the key for this account only, and leaves the key governed by the account\'s IAM', async () => {
    const key = resolveTokens(prod, `\${aws_kms_key.${Object.keys(prod.resource.aws_kms_key)[0]}.arn}`);
    for (const service of NOTIFYING_SERVICES) {
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        const use = (account: string): IamRequest => ({ action, resource: key, context: { 'aws:SourceAccount': account } });
        expect({ service, action, decision: await decideForService(service, keyPolicy, use(FAKE_ACCOUNT)) }).toEqual({ service, action, decision: 'Allowed' });
        expect({ service, action, decision: await decideForService(service, keyPolicy, use(OTHER_ACCOUNT)) }).toEqual({ service, action, decision: 'ImplicitlyDenied' });
      }
      expect(await decideForService(service, keyPolicy, { action: 'kms:ScheduleKeyDeletion', resource: key, context: { 'aws:SourceAccount': FAKE_ACCOUNT } })).toBe(
        'ImplicitlyDenied',
      );
    }
    expect(keyPolicy.Statement).toContainEqual({
      Sid: 'AccountGovernsTheKey',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${FAKE_ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    });
  });
});
