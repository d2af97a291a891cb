import { Construct } from 'constructs';
import type { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { FableStage } from '../stage/fable-stage';
import { AlarmTopic } from './alarm-topic';
import { metricAlarm } from './metric-alarm';
import { stageAlarmSpecs } from './stage-alarms';
import { dashboardBody } from './dashboard-body';
import { StageBudget } from './stage-budget';

/**
 * The stage's operations: the alarm topic, the stage's monthly cost budget (stage-budget.ts), an alarm for everything the stage's constructs
 * registered (see stage-alarms.ts), and the dashboard `fable-<stage>`. Create it after every other
 * construct of the stage: the stage refuses registrations that would come too late for an alarm.
 */
export class Operations extends Construct {
  readonly topic: AlarmTopic;
  readonly alarms: CloudwatchMetricAlarm[];
  readonly dashboard: CloudwatchDashboard;
  readonly budget: StageBudget;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stage = FableStage.of(this);
    this.topic = new AlarmTopic(this, 'alarm-topic');
    this.budget = new StageBudget(this, 'budget', { topicArn: this.topic.arn, topicPolicy: this.topic.policy });

    const alarmScope = new Construct(this, 'alarms');
    const specs = stageAlarmSpecs(stage, this.node.path);
    this.alarms = specs.map((spec) => metricAlarm(alarmScope, spec, { namePrefix: `${stage.prefix}-`, topicArn: this.topic.arn }));

    const body = dashboardBody({
      stage: stage.config.stage,
      region: stage.env.region,
      alarmTopicName: stage.name('alarms'),
      alarmArns: this.alarms.map((alarm) => alarm.arn),
      functions: stage.monitoredResources('function', this.node.path),
    });
    this.dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: stage.prefix,
      dashboardBody: JSON.stringify(body),
    });
  }
}
