import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAMBDA_NAMES, METRICS, TABLES, type TableComponent } from '../../../lambdas/shared/contract';
import { stageConfig } from '../../../src/config';
import { DynamoTable } from '../../../src/data/dynamo-table';
import { Operations } from '../../../src/operations/operations';
import { RUNBOOK_PATH, RUNBOOK_SECTIONS } from '../../../src/operations/alarm-spec';
import { resourcesOf, synthApp, synthJson, TEST_STATE_BUCKET, type StackJson } from '../../helpers/synth';
import { stubBundles } from '../../helpers/stub-bundles';
import { testStage } from '../../helpers/stage';

let stacks: Record<string, StackJson>;

beforeAll(async () => {
  stacks = await synthApp(['dev', 'prod'], { FABLE_STATE_BUCKET: TEST_STATE_BUCKET }, stubBundles());
});

const stages = ['dev', 'prod'] as const;

function alarmsOf(stage: string): Record<string, any>[] {
  return resourcesOf(stacks[`fable-${stage}`], 'aws_cloudwatch_metric_alarm');
}

function alarm(stage: string, name: string): Record<string, any> {
  const found = alarmsOf(stage).filter((a) => a.alarm_name === `fable-${stage}-${name}`);
  if (found.length !== 1) throw new Error(`expected one alarm fable-${stage}-${name}, found ${found.length}`);
  return found[0];
}

/** `${aws_<type>.<id>.<attribute>}` of the one resource of that type matching. */
function reference(stage: string, type: string, attribute: string, match: (r: Record<string, any>) => boolean = () => true): string {
  const entries = Object.entries(stacks[`fable-${stage}`].resource[type]).filter(([, r]) => match(r));
  expect(entries).toHaveLength(1);
  return `\${${type}.${entries[0][0]}.${attribute}}`;
}

/** The GitHub anchors of the runbook's headings. */
function runbookAnchors(): Set<string> {
  const markdown = readFileSync(join(__dirname, '../../..', RUNBOOK_PATH), 'utf8');
  const headings = [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((match) => match[1]);
  return new Set(headings.map((heading) => heading.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));
}

describe.each(stages)('alarms of fable-%s', (stage) => {
  const { thresholds } = stageConfig(stage).alarms;

  it('tells the alarm topic when each alarm fires and when it recovers, and treats missing data as not breaching', () => {
    const topic = reference(stage, 'aws_sns_topic', 'arn');
    expect(alarmsOf(stage).length).toBeGreaterThan(0);
    for (const a of alarmsOf(stage)) {
      expect({ name: a.alarm_name, prefixed: a.alarm_name.startsWith(`fable-${stage}-`) }).toEqual({ name: a.alarm_name, prefixed: true });
      expect(a).toMatchObject({ alarm_actions: [topic], ok_actions: [topic], treat_missing_data: 'notBreaching', comparison_operator: 'GreaterThanOrEqualToThreshold' });
    }
  });

  it('points every alarm at a section of the runbook that exists', () => {
    const anchors = runbookAnchors();
    for (const section of RUNBOOK_SECTIONS) expect({ section, documented: anchors.has(section) }).toEqual({ section, documented: true });
    for (const a of alarmsOf(stage)) {
      const section = /Runbook: docs\/operations\.md#([a-z-]+)$/.exec(a.alarm_description)?.[1];
      expect({ alarm: a.alarm_name, documented: section !== undefined && anchors.has(section) }).toEqual({ alarm: a.alarm_name, documented: true });
    }
  });

  it.each(LAMBDA_NAMES)(`alarms %s on its error rate once enough invocations failed, and on throttles`, (name) => {
    const functionName = `fable-${stage}-${name}`;
    const lambdaMetric = (metricName: string) => ({
      namespace: 'AWS/Lambda',
      metric_name: metricName,
      dimensions: { FunctionName: functionName },
      stat: 'Sum',
      period: 300,
    });
    expect(alarm(stage, `${name}-errors`)).toMatchObject({
      threshold: thresholds.functionErrorRatePercent,
      evaluation_periods: 1,
      metric_query: [
        { id: 'alarm', expression: `IF(errors >= ${thresholds.functionErrors}, 100 * errors / invocations, 0)`, return_data: true },
        { id: 'errors', metric: lambdaMetric('Errors'), return_data: false },
        { id: 'invocations', metric: lambdaMetric('Invocations'), return_data: false },
      ],
    });
    expect(alarm(stage, `${name}-throttles`)).toMatchObject({
      namespace: 'AWS/Lambda',
      metric_name: 'Throttles',
      dimensions: { FunctionName: functionName },
      statistic: 'Sum',
      period: 300,
      evaluation_periods: 1,
      threshold: thresholds.functionThrottles,
    });
  });

  it.each(TABLES.map((table) => table.component))('alarms read and write throttling of table %s and of each of its indexes', (component) => {
    const table = TABLES.find((t) => t.component === component)!;
    const targets = [
      { name: component, dimensions: { TableName: `fable-${stage}-${component}` } },
      ...table.globalIndexes.map((index) => ({
        name: `${component}-${index.name.toLowerCase()}`,
        dimensions: { TableName: `fable-${stage}-${component}`, GlobalSecondaryIndexName: index.name },
      })),
    ];
    for (const target of targets) {
      for (const kind of ['Read', 'Write']) {
        const a = alarm(stage, `${target.name}-${kind.toLowerCase()}-throttles`);
        expect(a).toMatchObject({ namespace: 'AWS/DynamoDB', metric_name: `${kind}ThrottleEvents`, statistic: 'Sum', period: 300, threshold: thresholds.dynamoThrottleEvents });
        expect(a.dimensions).toEqual(target.dimensions);
      }
    }
  });

  it('alarms on any message in chat\'s dead-letter queue', () => {
    expect(alarm(stage, 'chat-dlq-messages')).toMatchObject({
      namespace: 'AWS/SQS',
      metric_name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: `fable-${stage}-chat-dlq` },
      statistic: 'Maximum',
      threshold: 1,
      evaluation_periods: 1,
    });
  });

  it('alarms on failed build executions per hour, and on any that timed out', () => {
    const dimensions = { StateMachineArn: reference(stage, 'aws_sfn_state_machine', 'arn') };
    expect(alarm(stage, 'build-pipeline-failures')).toMatchObject({
      namespace: 'AWS/States',
      metric_name: 'ExecutionsFailed',
      dimensions,
      statistic: 'Sum',
      period: 3600,
      threshold: thresholds.buildFailuresPerHour,
    });
    expect(alarm(stage, 'build-pipeline-timeouts')).toMatchObject({
      namespace: 'AWS/States',
      metric_name: 'ExecutionsTimedOut',
      dimensions,
      statistic: 'Sum',
      period: 300,
      threshold: 1,
    });
  });

  it('alarms on the WebSocket stage\'s integration and execution errors, by ApiId and Stage', () => {
    const dimensions = { ApiId: reference(stage, 'aws_apigatewayv2_api', 'id'), Stage: stage };
    expect(alarm(stage, 'websocket-integration-errors')).toMatchObject({
      namespace: 'AWS/ApiGateway',
      metric_name: 'IntegrationError',
      dimensions,
      statistic: 'Sum',
      threshold: thresholds.websocketIntegrationErrors,
    });
    expect(alarm(stage, 'websocket-execution-errors')).toMatchObject({
      namespace: 'AWS/ApiGateway',
      metric_name: 'ExecutionError',
      dimensions,
      statistic: 'Sum',
      threshold: thresholds.websocketExecutionErrors,
    });
  });

  it('alarms when Aurora stays near its configured maximum capacity for 15 minutes', () => {
    const { aurora } = stageConfig(stage);
    expect(alarm(stage, 'aurora-capacity')).toMatchObject({
      namespace: 'AWS/RDS',
      metric_name: 'ServerlessDatabaseCapacity',
      dimensions: { DBClusterIdentifier: `fable-${stage}-aurora` },
      statistic: 'Average',
      period: 300,
      evaluation_periods: 3,
      threshold: Math.round(aurora.maxCapacity * thresholds.auroraCapacityFraction * 100) / 100,
    });
  });

  it('alarms on failing deployed tools through FABLE\'s ToolErrors metric, as chat publishes it', () => {
    expect(alarm(stage, 'chat-tool-errors')).toMatchObject({
      namespace: 'FABLE',
      metric_name: METRICS.toolErrors.name,
      dimensions: { Stage: stage, service: 'chat' },
      statistic: 'Sum',
      threshold: thresholds.toolErrors,
    });
  });
});

describe('alarms follow the constructs', () => {
  it('gives a table created before Operations its alarms, with no edit to any alarm list', () => {
    const { stack } = testStage();
    new DynamoTable(stack, 'audit', {
      component: 'audit' as TableComponent,
      partitionKey: 'PK',
      sortKey: 'SK',
      globalIndexes: [{ name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' }],
      pointInTimeRecovery: true,
    });
    new Operations(stack, 'operations');
    const names = resourcesOf(synthJson(stack), 'aws_cloudwatch_metric_alarm').map((a) => a.alarm_name);
    expect(names).toEqual(
      expect.arrayContaining(['fable-dev-audit-read-throttles', 'fable-dev-audit-write-throttles', 'fable-dev-audit-gsi1-read-throttles', 'fable-dev-audit-gsi1-write-throttles']),
    );
  });

  it('refuses a resource created after the alarms were made, instead of leaving it unwatched', () => {
    const { stack } = testStage();
    new Operations(stack, 'operations');
    expect(() => new DynamoTable(stack, 'late', TABLES[0])).toThrow(/A table was created after fable-dev\/operations made the alarms of stage dev/);
  });
});
