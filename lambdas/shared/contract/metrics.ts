/**
 * FABLE's own CloudWatch metrics, declared once: handlers publish them with Powertools Metrics
 * (Embedded Metric Format in their log lines), and the stage's dashboard and alarms read exactly
 * these names, units and dimensions. A metric is identified by its full dimension set, so a
 * handler that adds or drops a dimension publishes a different metric that nothing reads.
 */
import type { LambdaName } from './env';
import { FINAL_BUILD_STATUSES, INTENTS } from './protocol';

export const METRIC_NAMESPACE = 'FABLE';
/** Every FABLE metric carries the stage name (the `{ setting: 'stage' }` binding) under this dimension. */
export const STAGE_DIMENSION = 'Stage';
/**
 * Powertools Metrics always adds this dimension (its `serviceName`); FABLE sets it to the
 * publishing Lambda's name (`chat`, not `fable-dev-chat`), so a metric two Lambdas publish stays
 * two series.
 */
export const SERVICE_DIMENSION = 'service';

/** The Powertools `MetricUnit` values FABLE's metrics use. */
export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds';

export interface MetricDefinition {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly description: string;
  /** The Lambdas that publish it: the values of its `service` dimension. */
  readonly services: readonly LambdaName[];
  /**
   * Dimensions beyond Stage and service, each with every value it may take. A value outside the
   * list would be a series no dashboard shows; anything unbounded (a tool name, a user) belongs in
   * Powertools metadata, never in a dimension (each distinct value is a billed metric).
   */
  readonly dimensions: Readonly<Record<string, readonly string[]>>;
}

/** Why the router fell back to its keyword classifier. */
export const CLASSIFIER_FALLBACK_REASONS = ['timeout', 'error', 'off-schema'] as const;
export type ClassifierFallbackReason = (typeof CLASSIFIER_FALLBACK_REASONS)[number];

/** Why a request was refused before any work (the spend caps of DESIGN.md section 10). */
export const REFUSAL_REASONS = ['RATE_LIMITED', 'QUOTA_EXCEEDED'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export const METRICS = {
  messages: {
    name: 'Messages',
    unit: 'Count',
    description: 'Messages the router accepted, by the intent it routed them to',
    services: ['router'],
    dimensions: { Intent: INTENTS },
  },
  classifierFallbacks: {
    name: 'ClassifierFallbacks',
    unit: 'Count',
    description: 'Messages the keyword fallback classified because the router model did not answer in time or on schema',
    services: ['router'],
    dimensions: { Reason: CLASSIFIER_FALLBACK_REASONS },
  },
  chatFirstChunkLatency: {
    name: 'ChatFirstChunkLatency',
    unit: 'Milliseconds',
    description: 'From the start of a chat invocation to its first chat_chunk frame',
    services: ['chat'],
    dimensions: {},
  },
  chatTotalLatency: {
    name: 'ChatTotalLatency',
    unit: 'Milliseconds',
    description: 'From the start of a chat invocation to its chat_complete frame',
    services: ['chat'],
    dimensions: {},
  },
  modelInputTokens: {
    name: 'ModelInputTokens',
    unit: 'Count',
    description: 'Input tokens Bedrock reported, per model call (the service says which model: router, chat or embeddings)',
    services: ['router', 'chat', 'memory'],
    dimensions: {},
  },
  modelOutputTokens: {
    name: 'ModelOutputTokens',
    unit: 'Count',
    description: 'Output tokens Bedrock reported, per model call',
    services: ['router', 'chat'],
    dimensions: {},
  },
  toolCalls: {
    name: 'ToolCalls',
    unit: 'Count',
    description: 'Deployed tools chat invoked (the tool name is metadata, not a dimension)',
    services: ['chat'],
    dimensions: {},
  },
  toolErrors: {
    name: 'ToolErrors',
    unit: 'Count',
    description: 'Tool invocations that failed or answered with an error',
    services: ['chat'],
    dimensions: {},
  },
  builds: {
    name: 'BuildsFinished',
    unit: 'Count',
    description: 'Builds that reached a final status',
    // build-kickoff ends the builds a person rejects or cancels; update-build-status every other.
    services: ['update-build-status', 'build-kickoff'],
    dimensions: { Status: FINAL_BUILD_STATUSES },
  },
  buildDuration: {
    name: 'BuildDuration',
    unit: 'Seconds',
    description: 'From a build\'s creation to its final status',
    services: ['update-build-status', 'build-kickoff'],
    dimensions: { Status: FINAL_BUILD_STATUSES },
  },
  memorySearchLatency: {
    name: 'MemorySearchLatency',
    unit: 'Milliseconds',
    description: 'A memory search, embedding included',
    services: ['memory'],
    dimensions: {},
  },
  refusals: {
    name: 'Refusals',
    unit: 'Count',
    description: 'Requests refused by a rate limit or quota',
    services: ['router', 'chat', 'build-kickoff'],
    dimensions: { Reason: REFUSAL_REASONS },
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;
