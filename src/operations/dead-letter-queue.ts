import { Construct } from 'constructs';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import type { LambdaName } from '../../lambdas/shared/contract';
import { FableStage } from '../stage/fable-stage';
import type { PolicyStatement } from '../iam/policy-document';

/** SQS keeps a message at most 14 days: the longest an operator has to inspect and redrive a failed event. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 60 * 60;

export interface DeadLetterQueueProps {
  /** The function whose failed events the queue keeps: the queue is `fable-<stage>-<source>-dlq`. */
  readonly source: LambdaName;
}

/**
 * Where a function's events go when they fail for good: an SQS queue encrypted with SQS-managed
 * keys (SSE-SQS, so delivering to it needs no KMS grant), holding messages as long as SQS allows.
 * It registers with the stage, whose alarms page on any message in it.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: SqsQueue;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    const stage = FableStage.of(this);
    const name = stage.name(`${props.source}-dlq`);
    this.queue = new SqsQueue(this, 'queue', {
      name,
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
      sqsManagedSseEnabled: true,
    });
    stage.monitor({ kind: 'dead-letter-queue', source: props.source, queueName: name });
  }

  get arn(): string {
    return this.queue.arn;
  }

  /** Sending messages to this queue, nothing else. */
  sendStatement(): PolicyStatement {
    return { actions: ['sqs:SendMessage'], resources: [this.queue.arn] };
  }
}
