/**
 * A CloudWatch alarm of the stage as plain data: what it watches, when it fires, and the runbook
 * section that says what to do. The rules in alarm-rules.ts make these; metric-alarm.ts turns
 * each into an `aws_cloudwatch_metric_alarm`.
 */

/** The operator's runbook; every alarm names one of its sections. */
export const RUNBOOK_PATH = 'docs/operations.md';

/** Sections of the runbook (their GitHub anchors), one per kind of alarm. */
export const RUNBOOK_SECTIONS = [
  'function-errors',
  'function-throttles',
  'dead-letter-queue-messages',
  'build-pipeline-failures',
  'build-pipeline-timeouts',
  'websocket-integration-errors',
  'websocket-execution-errors',
  'aurora-capacity',
  'dynamodb-throttling',
  'tool-errors',
] as const;
export type RunbookSection = (typeof RUNBOOK_SECTIONS)[number];

/** One metric with a statistic over the alarm's period. */
export interface MetricStat {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: 'Sum' | 'Maximum' | 'Average';
}

/** A metric math expression over named metrics (each id is used in the expression). */
export interface MetricExpression {
  readonly expression: string;
  readonly label: string;
  readonly metrics: Readonly<Record<string, MetricStat>>;
}

export interface AlarmSpec {
  /** The alarm is named `fable-<stage>-<name>`. */
  readonly name: string;
  /** What a firing alarm means, in one sentence. */
  readonly summary: string;
  readonly runbook: RunbookSection;
  readonly watch: MetricStat | MetricExpression;
  readonly periodSeconds: number;
  /** Consecutive breaching periods before the alarm fires. */
  readonly evaluationPeriods: number;
  readonly threshold: number;
  readonly comparison: 'GreaterThanOrEqualToThreshold';
}

export function isExpression(watch: MetricStat | MetricExpression): watch is MetricExpression {
  return 'expression' in watch;
}
