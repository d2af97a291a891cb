import { Construct } from 'constructs';
import { BudgetsBudget } from '@cdktf/provider-aws/lib/budgets-budget';
import type { ITerraformDependable } from 'cdktf';
import { FableStage } from '../stage/fable-stage';

export interface StageBudgetProps {
  /** The stage's alarm topic, which budgets.amazonaws.com may publish to (alarm-topic-policies.ts). */
  readonly topicArn: string;
  /** The topic's policy: AWS Budgets checks it may publish when the notification is created. */
  readonly topicPolicy: ITerraformDependable;
}

/** Forecast share of the limit that warns early, and the actual share that says the money is spent. */
export const BUDGET_FORECAST_PERCENT = 80;
export const BUDGET_ACTUAL_PERCENT = 100;

/**
 * `fable-<stage>-monthly`: an AWS Budgets cost budget of `StageConfig.budget.monthlyUsd` per month
 * over the stage's resources, which notifies the alarm topic (and `budget.emails`) when the
 * month's forecast passes 80 % and when its actual cost passes 100 %.
 *
 * The filter is the stage's `Stage` cost allocation tag (a provider default tag on every resource).
 * The legacy cost filter of the pinned provider ORs the values of one filter name, so it cannot
 * require `Project=FABLE` as well: a filter on both tags would count every FABLE stage in each
 * budget. `Stage` is the tag that tells stages apart; anything else in the account tagged with the
 * same stage name would count too, which makes the budget warn early, never late.
 */
export class StageBudget extends Construct {
  readonly budget: BudgetsBudget;

  constructor(scope: Construct, id: string, props: StageBudgetProps) {
    super(scope, id);
    const stage = FableStage.of(this);
    const { budget } = stage.config;
    const subscribers = {
      subscriberSnsTopicArns: [props.topicArn],
      ...(budget.emails.length > 0 ? { subscriberEmailAddresses: [...budget.emails] } : {}),
    };
    this.budget = new BudgetsBudget(this, 'budget', {
      name: stage.name('monthly'),
      budgetType: 'COST',
      limitAmount: budget.monthlyUsd.toFixed(2),
      limitUnit: 'USD',
      timeUnit: 'MONTHLY',
      costFilter: [{ name: 'TagKeyValue', values: [`user:Stage$${stage.config.stage}`] }],
      notification: [
        {
          notificationType: 'FORECASTED',
          comparisonOperator: 'GREATER_THAN',
          threshold: BUDGET_FORECAST_PERCENT,
          thresholdType: 'PERCENTAGE',
          ...subscribers,
        },
        {
          notificationType: 'ACTUAL',
          comparisonOperator: 'GREATER_THAN',
          threshold: BUDGET_ACTUAL_PERCENT,
          thresholdType: 'PERCENTAGE',
          ...subscribers,
        },
      ],
      dependsOn: [props.topicPolicy],
    });
  }
}
