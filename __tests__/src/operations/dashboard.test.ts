import { LAMBDA_NAMES, METRIC_NAMESPACE, METRICS, SERVICE_DIMENSION, STAGE_DIMENSION, type MetricDefinition } from '../../../lambdas/shared/contract';
import type { MetricRow, Widget } from '../../../src/operations/dashboard-body';
import { resourcesOf, synthApp, TEST_STATE_BUCKET, type StackJson } from '../../helpers/synth';
import { stubBundles } from '../../helpers/stub-bundles';

let dev: StackJson;
let dashboard: Record<string, any>;
let widgets: Widget[];

beforeAll(async () => {
  dev = (await synthApp(['dev'], { FABLE_STATE_BUCKET: TEST_STATE_BUCKET }, stubBundles()))['fable-dev'];
  [dashboard] = resourcesOf(dev, 'aws_cloudwatch_dashboard');
  widgets = (JSON.parse(dashboard.dashboard_body) as { widgets: Widget[] }).widgets;
});

const metricRows = (): MetricRow[] => widgets.filter((w) => w.type === 'metric').flatMap((w) => w.properties.metrics as MetricRow[]);
const fableRows = () => metricRows().filter((row) => row[0] === METRIC_NAMESPACE);

/** A row's `[name, value]` dimension pairs, between the metric name and the options. */
function dimensionsOf(row: MetricRow): [string, string][] {
  const values = row.slice(2, -1) as string[];
  return values.flatMap((value, i) => (i % 2 === 0 ? [[value, values[i + 1]] as [string, string]] : []));
}

describe('the dashboard fable-<stage>', () => {
  it('is named after the stage, and its body is dashboard JSON: known widget types on the 24-column grid, none overlapping', () => {
    expect(dashboard.dashboard_name).toBe('fable-dev');
    expect(widgets.length).toBeGreaterThan(0);
    const taken = new Set<string>();
    for (const widget of widgets) {
      expect(['metric', 'alarm', 'text']).toContain(widget.type);
      expect(widget.x + widget.width).toBeLessThanOrEqual(24);
      for (let x = widget.x; x < widget.x + widget.width; x++) {
        for (let y = widget.y; y < widget.y + widget.height; y++) {
          expect(taken.has(`${x},${y}`)).toBe(false);
          taken.add(`${x},${y}`);
        }
      }
      if (widget.type === 'metric') {
        expect(widget.properties).toMatchObject({ region: expect.stringMatching(/^\$\{data\.aws_region\.[\w-]+\.region\}$/), period: 300 });
      }
    }
  });

  it('shows the state of every alarm of the stage', () => {
    const shown = widgets.filter((w) => w.type === 'alarm').flatMap((w) => w.properties.alarms as string[]);
    const alarms = Object.keys(dev.resource.aws_cloudwatch_metric_alarm).map((id) => `\${aws_cloudwatch_metric_alarm.${id}.arn}`);
    expect(shown.sort()).toEqual(alarms.sort());
  });

  it('graphs only metrics of the contract, each line with exactly the dimensions handlers publish it with', () => {
    const byName = new Map<string, MetricDefinition>(Object.values(METRICS).map((metric) => [metric.name, metric]));
    expect(fableRows().length).toBeGreaterThan(0);
    for (const row of fableRows()) {
      const metric = byName.get(row[1] as string);
      expect({ metric: row[1], known: metric !== undefined }).toEqual({ metric: row[1], known: true });
      const [stage, service, ...extra] = dimensionsOf(row);
      expect(stage).toEqual([STAGE_DIMENSION, 'dev']);
      expect(service[0]).toBe(SERVICE_DIMENSION);
      expect(metric!.services).toContain(service[1]);
      expect(extra.map(([name]) => name)).toEqual(Object.keys(metric!.dimensions));
      for (const [name, value] of extra) expect(metric!.dimensions[name]).toContain(value);
      expect(row[row.length - 1]).toMatchObject({ stat: metric!.unit === 'Count' ? 'Sum' : expect.stringMatching(/^p(50|95)$/) });
    }
  });

  it('graphs every metric of the contract, for every Lambda that publishes it and every value of its dimensions', () => {
    const shown = new Set(fableRows().map((row) => JSON.stringify([row[1], ...dimensionsOf(row).flat()])));
    for (const metric of Object.values(METRICS) as MetricDefinition[]) {
      const combinations = Object.entries(metric.dimensions).reduce<string[][]>(
        (all, [name, values]) => all.flatMap((combination) => values.map((value) => [...combination, name, value])),
        [[]],
      );
      for (const service of metric.services) {
        for (const combination of combinations) {
          const series = JSON.stringify([metric.name, STAGE_DIMENSION, 'dev', SERVICE_DIMENSION, service, ...combination]);
          expect({ series, shown: shown.has(series) }).toEqual({ series, shown: true });
        }
      }
    }
  });

  it('graphs the errors and throttles of every Lambda of the contract', () => {
    for (const metricName of ['Errors', 'Throttles']) {
      const functions = metricRows()
        .filter((row) => row[0] === 'AWS/Lambda' && row[1] === metricName)
        .map((row) => row[3]);
      expect(functions.sort()).toEqual(LAMBDA_NAMES.map((name) => `fable-dev-${name}`).sort());
    }
  });
});
