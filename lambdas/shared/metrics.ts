import { isFinalBuildStatus, METRICS, type MetricDefinition, type MetricKey, type RefusalReason } from './contract';
import { telemetry } from './telemetry';

type Definition<K extends MetricKey> = (typeof METRICS)[K];

/** A value for each of the metric's own dimensions, from the values the contract lists. */
export type MetricDimensions<K extends MetricKey> = {
  readonly [D in keyof Definition<K>['dimensions']]: Definition<K>['dimensions'][D] extends readonly (infer V)[] ? V : never;
};

/** Unbounded facts about one record (a tool's name): searchable in Logs Insights, never a dimension. */
export type MetricMetadata = Readonly<Record<string, string>>;

/**
 * Publish one of FABLE's metrics (METRICS of the contract: namespace FABLE, dimensions Stage,
 * service and the metric's own). A metric without dimensions or metadata of its own is kept and
 * published with the invocation's other metrics when the handler edge flushes them; one with its
 * own goes out at once as its own EMF record, so no other metric takes on its dimension set.
 */
export function recordMetric<K extends MetricKey>(key: K, value: number, dimensions: MetricDimensions<K>, metadata: MetricMetadata = {}): void {
  const definition: MetricDefinition = METRICS[key];
  const { metrics } = telemetry();
  const own = Object.entries(dimensions as Record<string, string>);
  if (own.length === 0 && Object.keys(metadata).length === 0) {
    metrics.addMetric(definition.name, definition.unit, value);
    return;
  }
  const single = metrics.singleMetric();
  for (const [name, dimension] of own) single.addDimension(name, dimension);
  for (const [name, fact] of Object.entries(metadata)) single.addMetadata(name, fact);
  single.addMetric(definition.name, definition.unit, value);
}

/** Publish the metrics this invocation kept (the handler edge calls it once per invocation). */
export function publishMetrics(): void {
  const { metrics } = telemetry();
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/** A request refused by a rate limit or a quota (DESIGN.md section 10), before any work. */
export function recordRefusal(reason: RefusalReason): void {
  recordMetric('refusals', 1, { Reason: reason });
}

/** Model tokens as Bedrock reported them for one call; a count it did not report is not published. */
export function recordModelUsage(usage: { readonly inputTokens?: number; readonly outputTokens?: number } | undefined): void {
  if (usage?.inputTokens !== undefined) recordMetric('modelInputTokens', usage.inputTokens, {});
  if (usage?.outputTokens !== undefined) recordMetric('modelOutputTokens', usage.outputTokens, {});
}

/** A build that has just reached a final status (each build is counted once, by the write that ended it): its status and duration. */
export function recordBuildFinish(build: { readonly status: string; readonly createdAt: string }, at: Date): void {
  const { status } = build;
  if (!isFinalBuildStatus(status)) return;
  recordMetric('builds', 1, { Status: status });
  const seconds = (at.getTime() - Date.parse(build.createdAt)) / 1000;
  if (Number.isFinite(seconds)) recordMetric('buildDuration', seconds, { Status: status });
}
