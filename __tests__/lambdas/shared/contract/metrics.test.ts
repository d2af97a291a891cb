import {
  BUILD_STATUSES,
  FINAL_BUILD_STATUSES,
  INTENTS,
  LAMBDA_NAMES,
  METRICS,
  SERVICE_DIMENSION,
  STAGE_DIMENSION,
  type MetricDefinition,
} from '../../../../lambdas/shared/contract';

const metrics: [string, MetricDefinition][] = Object.entries(METRICS);

describe('the metric names handlers publish and the stage reads', () => {
  it('covers what operators watch: messages, classifier, chat latency, tokens, tools, builds, memory search, refusals', () => {
    expect(metrics.map(([, metric]) => metric.name)).toEqual([
      'Messages',
      'ClassifierFallbacks',
      'ChatFirstChunkLatency',
      'ChatTotalLatency',
      'ModelInputTokens',
      'ModelOutputTokens',
      'ToolCalls',
      'ToolErrors',
      'BuildsFinished',
      'BuildDuration',
      'MemorySearchLatency',
      'Refusals',
    ]);
  });

  it('names each metric once, in CloudWatch\'s PascalCase style, with a unit that fits its name', () => {
    const names = metrics.map(([, metric]) => metric.name);
    expect(new Set(names).size).toBe(names.length);
    for (const [key, metric] of metrics) {
      expect({ key, name: /^[A-Z][A-Za-z]+$/.test(metric.name) }).toEqual({ key, name: true });
      const timed = /Latency$/.test(metric.name) ? 'Milliseconds' : /Duration$/.test(metric.name) ? 'Seconds' : 'Count';
      expect({ key, unit: metric.unit }).toEqual({ key, unit: timed });
    }
  });

  it('is published by FABLE Lambdas, with bounded extra dimensions that never shadow Stage or service', () => {
    for (const [key, metric] of metrics) {
      expect(metric.services.length).toBeGreaterThan(0);
      for (const service of metric.services) expect(LAMBDA_NAMES).toContain(service);
      for (const [dimension, values] of Object.entries(metric.dimensions)) {
        expect({ key, dimension, reserved: [STAGE_DIMENSION, SERVICE_DIMENSION].includes(dimension) }).toEqual({ key, dimension, reserved: false });
        expect(values.length).toBeGreaterThan(0);
        expect(new Set(values).size).toBe(values.length);
      }
    }
  });

  it('takes dimension values from the contract: intents, and the statuses a build ends in', () => {
    expect(METRICS.messages.dimensions.Intent).toEqual(INTENTS);
    expect(FINAL_BUILD_STATUSES.every((status) => (BUILD_STATUSES as readonly string[]).includes(status))).toBe(true);
    expect(FINAL_BUILD_STATUSES).not.toContain('pending');
    expect(FINAL_BUILD_STATUSES).not.toContain('running');
    expect(METRICS.builds.dimensions.Status).toEqual(FINAL_BUILD_STATUSES);
  });
});
