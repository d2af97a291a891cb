import { METRIC_NAMESPACE, METRICS, SERVICE_DIMENSION, STAGE_DIMENSION, type MetricDefinition } from '../../lambdas/shared/contract';
import { RUNBOOK_PATH } from './alarm-spec';

/** CloudWatch dashboards are 24 columns wide. */
const GRID_WIDTH = 24;
/** An alarm status widget shows at most this many alarms. */
const ALARMS_PER_WIDGET = 100;
const PERIOD_SECONDS = 300;

/** `[namespace, metricName, dimension, value, ..., options]`: one line of a metric widget. */
export type MetricRow = (string | { readonly label: string; readonly stat: string })[];

export interface Widget {
  readonly type: 'metric' | 'alarm' | 'text';
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: Record<string, unknown>;
}

export interface DashboardInputs {
  readonly stage: string;
  readonly region: string;
  readonly alarmTopicName: string;
  readonly alarmArns: readonly string[];
  /** The stage's Lambdas by their contract name, with their function names. */
  readonly functions: readonly { readonly name: string; readonly functionName: string }[];
}

type Unplaced = Omit<Widget, 'x' | 'y'>;

/** Counts are summed per period; times show their median and their 95th percentile. */
function statsFor(metric: MetricDefinition): string[] {
  return metric.unit === 'Count' ? ['Sum'] : ['p50', 'p95'];
}

/** Every combination of a metric's extra dimension values, as lists of `[name, value]`. */
function dimensionCombinations(dimensions: MetricDefinition['dimensions']): [string, string][][] {
  return Object.entries(dimensions).reduce<[string, string][][]>(
    (combinations, [name, values]) => combinations.flatMap((combination) => values.map((value): [string, string][] => [...combination, [name, value]])),
    [[]],
  );
}

/** One line per publishing Lambda, dimension combination and statistic: exactly the series handlers publish. */
export function customMetricRows(metric: MetricDefinition, stage: string): MetricRow[] {
  const stats = statsFor(metric);
  return metric.services.flatMap((service) =>
    dimensionCombinations(metric.dimensions).flatMap((combination) =>
      stats.map((stat): MetricRow => {
        const label = [service, ...combination.map(([, value]) => value), ...(stats.length > 1 ? [stat] : [])].join(' ');
        return [METRIC_NAMESPACE, metric.name, STAGE_DIMENSION, stage, SERVICE_DIMENSION, service, ...combination.flat(), { label, stat }];
      }),
    ),
  );
}

function metricWidget(title: string, rows: MetricRow[], region: string, width: number): Unplaced {
  return {
    type: 'metric',
    width,
    height: 6,
    properties: { title, view: 'timeSeries', stacked: false, region, period: PERIOD_SECONDS, metrics: rows },
  };
}

/** Left to right in rows of GRID_WIDTH columns, each row as tall as its tallest widget. */
function placed(widgets: readonly Unplaced[]): Widget[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return widgets.map((widget) => {
    if (x + widget.width > GRID_WIDTH) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const result = { ...widget, x, y };
    x += widget.width;
    rowHeight = Math.max(rowHeight, widget.height);
    return result;
  });
}

/**
 * The stage dashboard `fable-<stage>`: where to look first, the state of every alarm, each of
 * FABLE's own metrics (METRICS of the contract), and the errors and throttles of every function.
 */
export function dashboardBody(inputs: DashboardInputs): { widgets: Widget[] } {
  const { stage, region } = inputs;
  const intro: Unplaced = {
    type: 'text',
    width: GRID_WIDTH,
    height: 2,
    properties: {
      markdown: `## FABLE ${stage}\nAlarms notify the SNS topic \`${inputs.alarmTopicName}\`. What each alarm means, where to look and what to do: \`${RUNBOOK_PATH}\` in the infrastructure repository.`,
    },
  };
  const alarms: Unplaced[] = [];
  for (let start = 0; start < inputs.alarmArns.length; start += ALARMS_PER_WIDGET) {
    alarms.push({
      type: 'alarm',
      width: GRID_WIDTH,
      height: 6,
      properties: { title: 'Alarms', alarms: inputs.alarmArns.slice(start, start + ALARMS_PER_WIDGET), sortBy: 'stateUpdatedTimestamp' },
    });
  }
  const custom = Object.values(METRICS).map((metric) => metricWidget(`${metric.name} (${metric.unit})`, customMetricRows(metric, stage), region, 8));
  const lambda = (metricName: string) =>
    metricWidget(
      `Lambda ${metricName}`,
      inputs.functions.map((fn) => ['AWS/Lambda', metricName, 'FunctionName', fn.functionName, { label: fn.name, stat: 'Sum' }]),
      region,
      12,
    );
  return { widgets: placed([intro, ...alarms, ...custom, lambda('Errors'), lambda('Throttles')]) };
}
