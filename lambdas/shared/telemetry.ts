import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { LOG_LEVELS, METRIC_NAMESPACE, STAGE_DIMENSION, type LambdaName, type LogLevel } from './contract';

/**
 * A container's logs, metrics and traces (Powertools Logger, Metrics and Tracer), made once by
 * the handler edge for the function it serves. Logger and Metrics write one JSON object per line
 * to stdout/stderr themselves, so Lambda's JSON log format keeps each record as it is (nothing is
 * wrapped again) and filters it by its `level`.
 */
export interface Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

/** The `{ setting: 'stage' }` and `{ setting: 'logLevel' }` bindings every Lambda has. */
export interface TelemetrySettings {
  readonly stage: string;
  readonly logLevel: string;
}

function logLevel(value: string): LogLevel {
  const level = LOG_LEVELS.find((known) => known === value);
  if (!level) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${value}".`);
  return level;
}

/** Service = the function's own name (`chat`, not `fable-dev-chat`): the metrics' `service` dimension and the logs' `service`. */
function makeTelemetry(service: string, stage?: string, level: LogLevel = 'INFO'): Telemetry {
  return {
    logger: new Logger({ serviceName: service, logLevel: level }),
    metrics: new Metrics({
      namespace: METRIC_NAMESPACE,
      serviceName: service,
      ...(stage !== undefined ? { defaultDimensions: { [STAGE_DIMENSION]: stage } } : {}),
    }),
    tracer: new Tracer({ serviceName: service }),
  };
}

let current: Telemetry | undefined;

/** The telemetry of one FABLE Lambda, from its settings; it becomes the container's. */
export function startTelemetry(service: LambdaName, settings: TelemetrySettings): Telemetry {
  current = makeTelemetry(service, settings.stage, logLevel(settings.logLevel));
  return current;
}

/** Make `telemetry` this container's again (the edge does so per invocation; tests run several handlers in one process). */
export function useTelemetry(telemetry: Telemetry): void {
  current = telemetry;
}

/**
 * The container's telemetry. Outside a handler (a plain function run locally or in a test) it is
 * a `local` service's, logging at INFO with metrics that carry no stage.
 */
export function telemetry(): Telemetry {
  return (current ??= makeTelemetry('local'));
}

/** Structured fields of a log record (never a token, a secret or message content above DEBUG). */
export type LogFields = Record<string, unknown>;

/** Write a log record through the container's Logger: one JSON object per line, with its level and the correlation keys. */
export const log = {
  debug: (message: string, fields: LogFields = {}) => telemetry().logger.debug(message, fields),
  info: (message: string, fields: LogFields = {}) => telemetry().logger.info(message, fields),
  warn: (message: string, fields: LogFields = {}) => telemetry().logger.warn(message, fields),
  error: (message: string, fields: LogFields = {}) => telemetry().logger.error(message, fields),
};

/** The ids that follow one request across FABLE's functions (DESIGN.md sections 4 and 7). */
export interface CorrelationKeys {
  readonly requestId?: string;
  readonly connectionId?: string;
  readonly conversationId?: string;
  readonly buildId?: string;
  readonly toolName?: string;
}

/**
 * Attach correlation keys to the rest of this invocation: every later log record carries them,
 * and the invocation's trace segment is annotated with them (X-Ray indexes annotations, so
 * `annotation.requestId = "..."` finds the request's traces in every function). Absent keys are skipped.
 */
export function correlate(keys: CorrelationKeys): void {
  const present = Object.fromEntries(Object.entries(keys).filter(([, value]) => value !== undefined)) as Record<string, string>;
  const { logger, tracer } = telemetry();
  logger.appendKeys(present);
  for (const [key, value] of Object.entries(present)) tracer.putAnnotation(key, value);
}
