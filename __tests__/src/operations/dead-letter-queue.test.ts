import { DeadLetterQueue, DEAD_LETTER_RETENTION_SECONDS } from '../../../src/operations/dead-letter-queue';
import { FableRole } from '../../../src/iam/fable-role';
import { resourcesOf, synthJson } from '../../helpers/synth';
import { testStage } from '../../helpers/stage';

describe('DeadLetterQueue', () => {
  const { stack, stage } = testStage();
  const queue = new DeadLetterQueue(stack, 'dlq', { source: 'chat' });
  const role = new FableRole(stack, 'role', { name: 'fable-dev-sender', description: 'sends', service: 'lambda.amazonaws.com' });
  role.addStatements(queue.sendStatement());
  const json = synthJson(stack);

  it('keeps a function\'s failed events in fable-<stage>-<function>-dlq for 14 days, encrypted by SQS (no KMS grant needed to deliver)', () => {
    expect(resourcesOf(json, 'aws_sqs_queue')).toEqual([
      expect.objectContaining({ name: 'fable-dev-chat-dlq', message_retention_seconds: 14 * 24 * 3600, sqs_managed_sse_enabled: true }),
    ]);
    expect(DEAD_LETTER_RETENTION_SECONDS).toBe(1_209_600);
    expect(resourcesOf(json, 'aws_sqs_queue')[0].kms_master_key_id).toBeUndefined();
  });

  it('grants sending to itself only', () => {
    const queueArn = `\${aws_sqs_queue.${Object.keys(json.resource.aws_sqs_queue)[0]}.arn}`;
    expect(JSON.parse(resourcesOf(json, 'aws_iam_role_policy')[0].policy).Statement).toEqual([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn }]);
  });

  it('registers with the stage, so the stage alarms on it', () => {
    expect(stage.monitoredResources('dead-letter-queue', 'this test')).toEqual([{ kind: 'dead-letter-queue', source: 'chat', queueName: 'fable-dev-chat-dlq' }]);
  });
});
