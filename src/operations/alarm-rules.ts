import { METRIC_NAMESPACE, METRICS, SERVICE_DIMENSION, STAGE_DIMENSION } from '../../lambdas/shared/contract';
import type { AlarmThresholds } from '../config';
import type { MonitoredOf } from './monitored';
import type { AlarmSpec, MetricStat } from './alarm-spec';

/** Most alarms look at 5-minute periods: long enough to smooth one-minute noise, short enough to page in time. */
const FIVE_MINUTES = 300;
const ONE_HOUR = 3600;
const AT_LEAST: AlarmSpec['comparison'] = 'GreaterThanOrEqualToThreshold';

/** A function's failures: at least `functionErrors` of them, which are also at least `functionErrorRatePercent` of its invocations. */
export function functionAlarms(fn: MonitoredOf<'function'>, t: AlarmThresholds): AlarmSpec[] {
  const lambda = (metricName: string): MetricStat => ({
    namespace: 'AWS/Lambda',
    metricName,
    dimensions: { FunctionName: fn.functionName },
    stat: 'Sum',
  });
  return [
    {
      name: `${fn.name}-errors`,
      summary: `${fn.functionName} failed at least ${t.functionErrors} invocations in 5 minutes, ${t.functionErrorRatePercent}% or more of them.`,
      runbook: 'function-errors',
      watch: {
        // Errors never exceed Invocations, and both are published whenever the function ran.
        expression: `IF(errors >= ${t.functionErrors}, 100 * errors / invocations, 0)`,
        label: 'Error rate (%)',
        metrics: { errors: lambda('Errors'), invocations: lambda('Invocations') },
      },
      periodSeconds: FIVE_MINUTES,
      evaluationPeriods: 1,
      threshold: t.functionErrorRatePercent,
      comparison: AT_LEAST,
    },
    {
      name: `${fn.name}-throttles`,
      summary: `${fn.functionName} was throttled ${t.functionThrottles} or more times in 5 minutes.`,
      runbook: 'function-throttles',
      watch: lambda('Throttles'),
      periodSeconds: FIVE_MINUTES,
      evaluationPeriods: 1,
      threshold: t.functionThrottles,
      comparison: AT_LEAST,
    },
  ];
}

/** Any message in a dead-letter queue is an event that failed for good. */
export function deadLetterAlarms(queue: MonitoredOf<'dead-letter-queue'>): AlarmSpec[] {
  return [
    {
      name: `${queue.source}-dlq-messages`,
      summary: `${queue.queueName} holds events of ${queue.source} that failed every retry.`,
      runbook: 'dead-letter-queue-messages',
      watch: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queue.queueName }, stat: 'Maximum' },
      periodSeconds: FIVE_MINUTES,
      evaluationPeriods: 1,
      threshold: 1,
      comparison: AT_LEAST,
    },
  ];
}

/**
 * A build that fails ends its execution FAILED (sometimes for its request's sake, so failures are
 * counted per hour); one that times out never ran MarkFailed, which must never happen.
 */
export function stateMachineAlarms(machine: MonitoredOf<'state-machine'>, t: AlarmThresholds): AlarmSpec[] {
  const states = (metricName: string): MetricStat => ({
    namespace: 'AWS/States',
    metricName,
    dimensions: { StateMachineArn: machine.arn },
    stat: 'Sum',
  });
  return [
    {
      name: `${machine.component}-failures`,
      summary: `${t.buildFailuresPerHour} or more ${machine.component} executions failed within an hour.`,
      runbook: 'build-pipeline-failures',
      watch: states('ExecutionsFailed'),
      periodSeconds: ONE_HOUR,
      evaluationPeriods: 1,
      threshold: t.buildFailuresPerHour,
      comparison: AT_LEAST,
    },
    {
      name: `${machine.component}-timeouts`,
      summary: `A ${machine.component} execution timed out, so its build was never marked failed.`,
      runbook: 'build-pipeline-timeouts',
      watch: states('ExecutionsTimedOut'),
      periodSeconds: FIVE_MINUTES,
      evaluationPeriods: 1,
      threshold: 1,
      comparison: AT_LEAST,
    },
  ];
}

/** The WebSocket stage's errors (API Gateway publishes IntegrationError and ExecutionError for WebSocket APIs, by ApiId and Stage). */
export function websocketAlarms(api: MonitoredOf<'websocket-api'>, t: AlarmThresholds): AlarmSpec[] {
  const gateway = (metricName: string): MetricStat => ({
    namespace: 'AWS/ApiGateway',
    metricName,
    dimensions: { ApiId: api.apiId, Stage: api.stage },
    stat: 'Sum',
  });
  return [
    {
      name: `${api.component}-integration-errors`,
      summary: `${t.websocketIntegrationErrors} or more WebSocket route calls in 5 minutes got a 4xx/5xx answer from their function.`,
      runbook: 'websocket-integration-errors',
      watch: gateway('IntegrationError'),
      periodSeconds: FIVE_MINUTES,
      evaluationPeriods: 1,
      threshold: t.websocketIntegrationErrors,
      comparison: AT_LEAST,
    },
    {
      name: `${api.component}-execution-errors`,
      summary: `API Gateway could not call a WebSocket route's function ${t.websocketExecutionErrors} or more times in 5 minutes.`,
      runbook: 'websocket-execution-errors',
      watch: gateway('ExecutionError'),
      periodSeconds: FIVE_MINUTES,
      evaluationPeriods: 1,
      threshold: t.websocketExecutionErrors,
      comparison: AT_LEAST,
    },
  ];
}

/** Aurora Serverless v2 near its configured maximum for 15 minutes: past it, queries queue and slow down. */
export function databaseAlarms(db: MonitoredOf<'database'>, t: AlarmThresholds): AlarmSpec[] {
  const threshold = Math.round(db.maxCapacity * t.auroraCapacityFraction * 100) / 100;
  return [
    {
      name: 'aurora-capacity',
      summary: `${db.clusterIdentifier} ran at ${threshold} ACU or more (of at most ${db.maxCapacity}) for 15 minutes.`,
      runbook: 'aurora-capacity',
      watch: { namespace: 'AWS/RDS', metricName: 'ServerlessDatabaseCapacity', dimensions: { DBClusterIdentifier: db.clusterIdentifier }, stat: 'Average' },
      periodSeconds: FIVE_MINUTES,
      evaluationPeriods: 3,
      threshold,
      comparison: AT_LEAST,
    },
  ];
}

/**
 * Read and write throttle events of the table and of each of its global secondary indexes (an
 * index's own metrics carry its name; a throttled index write also holds back the table's writes).
 */
export function tableAlarms(table: MonitoredOf<'table'>, t: AlarmThresholds): AlarmSpec[] {
  const targets: { name: string; what: string; dimensions: Record<string, string> }[] = [
    { name: table.component, what: table.tableName, dimensions: { TableName: table.tableName } },
    ...table.indexNames.map((index) => ({
      name: `${table.component}-${index.toLowerCase()}`,
      what: `index ${index} of ${table.tableName}`,
      dimensions: { TableName: table.tableName, GlobalSecondaryIndexName: index },
    })),
  ];
  return targets.flatMap((target) =>
    (['Read', 'Write'] as const).map(
      (kind): AlarmSpec => ({
        name: `${target.name}-${kind.toLowerCase()}-throttles`,
        summary: `${kind} requests to ${target.what} were throttled ${t.dynamoThrottleEvents} or more times in 5 minutes.`,
        runbook: 'dynamodb-throttling',
        watch: { namespace: 'AWS/DynamoDB', metricName: `${kind}ThrottleEvents`, dimensions: target.dimensions, stat: 'Sum' },
        periodSeconds: FIVE_MINUTES,
        evaluationPeriods: 1,
        threshold: t.dynamoThrottleEvents,
        comparison: AT_LEAST,
      }),
    ),
  );
}

/** Deployed tools are not Terraform's, so their failures are watched through FABLE's own ToolErrors metric. */
export function toolAlarms(stage: string, t: AlarmThresholds): AlarmSpec[] {
  const metric = METRICS.toolErrors;
  return metric.services.map((service) => ({
    name: `${service}-tool-errors`,
    summary: `Tools ${service} invoked failed ${t.toolErrors} or more times in 5 minutes.`,
    runbook: 'tool-errors',
    watch: {
      namespace: METRIC_NAMESPACE,
      metricName: metric.name,
      dimensions: { [STAGE_DIMENSION]: stage, [SERVICE_DIMENSION]: service },
      stat: 'Sum',
    },
    periodSeconds: FIVE_MINUTES,
    evaluationPeriods: 1,
    threshold: t.toolErrors,
    comparison: AT_LEAST,
  }));
}
