import { Construct } from 'constructs';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { FableStage } from '../stage/fable-stage';
import { alarmKeyPolicy, alarmTopicPolicy } from './alarm-topic-policies';

/**
 * SNS topic `fable-<stage>-alarms`, where every alarm of the stage (and later its budget) sends
 * its state changes, with an e-mail subscription per address of `StageConfig.alarms.emails`.
 *
 * The topic is encrypted with a customer managed key of its own, not SNS's AWS managed key: the
 * AWS managed key's policy cannot be changed, and without a key policy that lets CloudWatch use
 * the key, an alarm's publish to the encrypted topic fails (the alarm history says so; nobody is
 * paged).
 */
export class AlarmTopic extends Construct {
  readonly topic: SnsTopic;
  readonly key: KmsKey;
  readonly policy: SnsTopicPolicy;
  readonly subscriptions: SnsTopicSubscription[];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stage = FableStage.of(this);
    const { config, env } = stage;
    const name = stage.name('alarms');

    this.key = new KmsKey(this, 'key', {
      description: `Encrypts the ${name} SNS topic`,
      enableKeyRotation: true,
      // A stage that may be destroyed and recreated (dev) gives its key back sooner.
      deletionWindowInDays: config.forceDestroy ? 7 : 30,
      policy: alarmKeyPolicy(env, env.accountId),
    });
    new KmsAlias(this, 'alias', { name: `alias/${name}`, targetKeyId: this.key.keyId });

    this.topic = new SnsTopic(this, 'topic', { name, kmsMasterKeyId: this.key.arn });
    this.policy = new SnsTopicPolicy(this, 'policy', {
      arn: this.topic.arn,
      policy: alarmTopicPolicy({ aws: env, accountId: env.accountId, topicArn: this.topic.arn, alarmNamePrefix: `${stage.prefix}-` }),
    });
    // Named by address, so reordering the list changes nothing (a new subscription means a new confirmation).
    this.subscriptions = config.alarms.emails.map(
      (email) => new SnsTopicSubscription(this, `email-${email.toLowerCase()}`, { topicArn: this.topic.arn, protocol: 'email', endpoint: email }),
    );
  }

  get arn(): string {
    return this.topic.arn;
  }
}
