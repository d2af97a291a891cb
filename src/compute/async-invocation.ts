import { Construct } from 'constructs';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import type { AsyncInvocationSettings, LambdaName } from '../../lambdas/shared/contract';
import type { FableRole } from '../iam/fable-role';
import { DeadLetterQueue } from '../operations/dead-letter-queue';

export interface AsyncInvocationProps {
  readonly name: LambdaName;
  readonly function: LambdaFunction;
  readonly role: FableRole;
  readonly settings: AsyncInvocationSettings;
}

/**
 * How Lambda handles a function's asynchronous invocations: bounded retries and event age, then
 * the event (with the error) to the function's dead-letter queue as its on-failure destination.
 * Lambda delivers to a destination with the function's own role, so the role may send to that
 * queue, and only to it.
 */
export class AsyncInvocation extends Construct {
  constructor(scope: Construct, id: string, props: AsyncInvocationProps) {
    super(scope, id);
    const deadLetterQueue = new DeadLetterQueue(this, 'dlq', { source: props.name });
    props.role.addStatements(deadLetterQueue.sendStatement());
    new LambdaFunctionEventInvokeConfig(this, 'config', {
      functionName: props.function.functionName,
      maximumRetryAttempts: props.settings.maximumRetryAttempts,
      maximumEventAgeInSeconds: props.settings.maximumEventAgeSeconds,
      destinationConfig: { onFailure: { destination: deadLetterQueue.arn } },
      // Lambda checks that the role may send to the destination when the config is set.
      dependsOn: [props.role.policy],
    });
  }
}
