import type { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { isExpression, RUNBOOK_PATH, type AlarmSpec } from './alarm-spec';

export interface MetricAlarmProps {
  /** `fable-<stage>-`: prefixes the spec's name. */
  readonly namePrefix: string;
  /** Where state changes go: the alarm and its recovery (OK) alike, so a page is followed by its all-clear. */
  readonly topicArn: string;
}

/**
 * An alarm from its spec. Missing data is not breaching: most of these metrics are only published
 * when something happens (a throttle, an error, a failed build), and silence means nothing did.
 */
export function metricAlarm(scope: Construct, spec: AlarmSpec, props: MetricAlarmProps): CloudwatchMetricAlarm {
  const { watch } = spec;
  const common = {
    alarmName: `${props.namePrefix}${spec.name}`,
    alarmDescription: `${spec.summary} Runbook: ${RUNBOOK_PATH}#${spec.runbook}`,
    comparisonOperator: spec.comparison,
    threshold: spec.threshold,
    evaluationPeriods: spec.evaluationPeriods,
    treatMissingData: 'notBreaching',
    alarmActions: [props.topicArn],
    okActions: [props.topicArn],
  };
  if (!isExpression(watch)) {
    return new CloudwatchMetricAlarm(scope, spec.name, {
      ...common,
      namespace: watch.namespace,
      metricName: watch.metricName,
      dimensions: { ...watch.dimensions },
      statistic: watch.stat,
      period: spec.periodSeconds,
    });
  }
  return new CloudwatchMetricAlarm(scope, spec.name, {
    ...common,
    metricQuery: [
      { id: 'alarm', expression: watch.expression, label: watch.label, returnData: true },
      ...Object.entries(watch.metrics).map(([id, metric]) => ({
        id,
        returnData: false,
        metric: {
          namespace: metric.namespace,
          metricName: metric.metricName,
          dimensions: { ...metric.dimensions },
          stat: metric.stat,
          period: spec.periodSeconds,
        },
      })),
    ],
  });
}
