import { Construct } from 'constructs';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import type { StateMachineAction, StateMachineBinding } from '../../lambdas/shared/contract';
import { FableStage } from '../stage/fable-stage';
import { FableRole } from '../iam/fable-role';
import { LogGroup } from '../observability/log-group';
import type { BindingProvider, ResolvedBinding } from '../bindings/binding-provider';
import type { StateMachine } from '../asl/machine';

/** Delivering to CloudWatch Logs goes through these account-level APIs, which take no resource. */
const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies',
  'logs:GetLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:UpdateLogDelivery',
];
/** Active tracing: sending segments, and the sampling rules Step Functions reads first. */
const TRACING_ACTIONS = ['xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

export interface BuildStateMachineProps {
  /** The typed ASL machine: its rendered definition, and the statements its tasks carry. */
  readonly definition: StateMachine;
}

/**
 * Step Functions STANDARD `fable-<stage>-build-pipeline` running a typed ASL definition, with
 * full logging (without execution data: build specs are users' text) and X-Ray tracing. Its role
 * is granted what the definition's tasks gathered, plus what logging and tracing need; nothing is
 * listed by hand. Lambdas bind to it to start executions.
 */
export class BuildStateMachine extends Construct implements BindingProvider<StateMachineBinding> {
  readonly stateMachine: SfnStateMachine;
  readonly role: FableRole;
  readonly logGroup: LogGroup;
  /** `fable-<stage>-build-pipeline`: its executions are `execution:<name>:<execution name>`. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: BuildStateMachineProps) {
    super(scope, id);
    const stage = FableStage.of(this);
    const component = 'build-pipeline';
    const name = stage.name(component);
    this.name = name;

    this.role = new FableRole(this, 'role', {
      name: stage.iamName(component),
      description: `Role of the ${name} state machine`,
      service: 'states.amazonaws.com',
    });
    this.role.addStatements(
      ...props.definition.policies(),
      { actions: LOG_DELIVERY_ACTIONS, resources: ['*'] },
      { actions: TRACING_ACTIONS, resources: ['*'] },
    );
    this.logGroup = new LogGroup(this, 'logs', { name: `/aws/vendedlogs/states/${name}` });

    this.stateMachine = new SfnStateMachine(this, 'state-machine', {
      name,
      type: 'STANDARD',
      roleArn: this.role.arn,
      definition: JSON.stringify(props.definition.render()),
      loggingConfiguration: {
        level: 'ALL',
        includeExecutionData: false,
        logDestination: `${this.logGroup.arn}:*`,
      },
      tracingConfiguration: { enabled: true },
      // Step Functions checks the role when the machine is created: grant first.
      dependsOn: [this.role.policy],
    });
    stage.provide<StateMachineBinding>('state-machine:build-pipeline', this);
    stage.monitor({ kind: 'state-machine', component, arn: this.stateMachine.arn });
  }

  get arn(): string {
    return this.stateMachine.arn;
  }

  /**
   * The state machine's ARN, and exactly the actions the binding names: StartExecution on the
   * machine, StopExecution on its executions (`execution:<name>:*`), and the task-token callbacks,
   * which IAM cannot scope (the token is the capability).
   */
  resolveBinding(binding: StateMachineBinding): ResolvedBinding {
    const on = (actions: readonly StateMachineAction[], resource: string) => {
      const named = binding.actions.filter((action) => actions.includes(action));
      return named.length === 0 ? [] : [{ actions: named.map((action) => `states:${action}`), resources: [resource] }];
    };
    const stage = FableStage.of(this);
    return {
      value: this.arn,
      statements: [
        ...on(['StartExecution'], this.stateMachine.arn),
        ...on(['StopExecution'], stage.env.arn({ service: 'states', resource: `execution:${this.name}:*` })),
        ...on(['SendTaskSuccess', 'SendTaskFailure'], '*'),
      ],
    };
  }
}
