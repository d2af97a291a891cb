import { AlarmTopic } from '../../../src/operations/alarm-topic';
import { StageBudget } from '../../../src/operations/stage-budget';
import { resourcesOf, synthJson, type StackJson } from '../../helpers/synth';
import { testStage } from '../../helpers/stage';
import { overridesFromEnv, stageConfig } from '../../../src/config';

function synthBudget(stage: string, env: NodeJS.ProcessEnv = {}): StackJson {
  const { stack } = testStage({ stage, overrides: overridesFromEnv(env) });
  const topic = new AlarmTopic(stack, 'alarm-topic');
  new StageBudget(stack, 'budget', { topicArn: topic.arn, topicPolicy: topic.policy });
  return synthJson(stack);
}

describe('StageBudget', () => {
  it.each(['dev', 'prod'])('gives stage %s a monthly cost budget of its budget.monthlyUsd over its Stage tag', (stage) => {
    const json = synthBudget(stage);
    const [budget] = resourcesOf(json, 'aws_budgets_budget');
    expect(budget).toMatchObject({
      name: `fable-${stage}-monthly`,
      budget_type: 'COST',
      limit_amount: stageConfig(stage).budget.monthlyUsd.toFixed(2),
      limit_unit: 'USD',
      time_unit: 'MONTHLY',
      cost_filter: [{ name: 'TagKeyValue', values: [`user:Stage$${stage}`] }],
    });
  });

  it('tells the alarm topic at 80 % of the forecast and at 100 % of the actual cost, once the topic lets Budgets publish', () => {
    const json = synthBudget('prod');
    const [budget] = resourcesOf(json, 'aws_budgets_budget');
    const topicRef = Object.keys(json.resource.aws_sns_topic)[0];
    const policyRef = Object.keys(json.resource.aws_sns_topic_policy)[0];
    const toTopic = { comparison_operator: 'GREATER_THAN', threshold_type: 'PERCENTAGE', subscriber_sns_topic_arns: [`\${aws_sns_topic.${topicRef}.arn}`] };
    expect(budget.notification).toEqual([
      { notification_type: 'FORECASTED', threshold: 80, ...toTopic },
      { notification_type: 'ACTUAL', threshold: 100, ...toTopic },
    ]);
    expect(budget.depends_on).toEqual([`aws_sns_topic_policy.${policyRef}`]);
  });

  it("takes the deployment's limit and e-mail addresses from FABLE_BUDGET_MONTHLY_USD and FABLE_BUDGET_EMAILS", () => {
    const json = synthBudget('dev', { FABLE_BUDGET_MONTHLY_USD: '125.5', FABLE_BUDGET_EMAILS: 'finance@example.com, cto@example.com' });
    const [budget] = resourcesOf(json, 'aws_budgets_budget');
    expect(budget.limit_amount).toBe('125.50');
    for (const notification of budget.notification) {
      expect(notification.subscriber_email_addresses).toEqual(['finance@example.com', 'cto@example.com']);
    }
  });

  it('refuses a limit that is not a positive amount', () => {
    expect(() => stageConfig('dev', { budgetMonthlyUsd: 0 })).toThrow('budget.monthlyUsd');
    expect(() => stageConfig('dev', overridesFromEnv({ FABLE_BUDGET_MONTHLY_USD: 'lots' }))).toThrow('budget.monthlyUsd');
  });
});
