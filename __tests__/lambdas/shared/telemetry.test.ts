import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { traced } from '../../../lambdas/shared/clients/traced';
import { METRICS, REFUSAL_REASONS } from '../../../lambdas/shared/contract';
import { lambdaHandler } from '../../../lambdas/shared/handler';
import { recordMetric, recordRefusal } from '../../../lambdas/shared/metrics';
import { containerQuotas } from '../../../lambdas/shared/quotas/quotas';
import { dynamoDocumentClient } from '../../../lambdas/shared/clients/dynamodb';
import { ROOMY_LIMITS } from '../../helpers/quotas';
import { correlate, log } from '../../../lambdas/shared/telemetry';
import { lambdaContext } from '../../helpers/lambda-events';
import { captureOutput, metricValues, TELEMETRY_ENV, type CapturedOutput } from '../../helpers/telemetry';

const QUOTA_ENV = { QUOTAS_TABLE: 'fable-test-quotas', QUOTA_LIMITS: JSON.stringify(ROOMY_LIMITS) };
const ENV = {
  ...TELEMETRY_ENV,
  ...QUOTA_ENV,
  BUILDS_TABLE: 'fable-test-builds',
  ARTIFACTS_BUCKET: 'bucket',
  STATE_MACHINE_ARN: 'arn:sm',
  BUILDS_PAUSED: 'false',
  AUDIT_TABLE: 'fable-test-audit',
  BUILD_SLOT_SECONDS: '7200',
};

let output: CapturedOutput;
beforeEach(() => {
  Object.assign(process.env, ENV);
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  for (const key of Object.keys(ENV)) delete process.env[key];
});

/** A build-kickoff-shaped handler whose invocation runs `work`. */
const handlerDoing = (work: () => Promise<string>) => lambdaHandler('build-kickoff', () => ({}), work);

describe('the handler edge’s telemetry', () => {
  it('logs JSON records with the service, the Lambda context and the invocation’s correlation keys, dropped when it ends', async () => {
    const handler = handlerDoing(async () => {
      correlate({ buildId: 'b-1', requestId: undefined });
      log.info('working', { step: 1 });
      return 'done';
    });
    const context = lambdaContext(5_000, 'fable-test-build-kickoff');
    await handler({}, context);
    await lambdaHandler('build-kickoff', () => ({}), async () => log.info('next'))({}, lambdaContext(5_000));

    const [working, next] = output.logs();
    expect(working).toMatchObject({
      level: 'INFO',
      message: 'working',
      service: 'build-kickoff',
      step: 1,
      buildId: 'b-1',
      cold_start: expect.any(Boolean),
      function_name: 'fable-test-build-kickoff',
      function_request_id: context.awsRequestId,
      timestamp: expect.any(String),
    });
    expect(working).not.toHaveProperty('requestId');
    expect(next).not.toHaveProperty('buildId');
  });

  it('logs at the stage’s level: DEBUG records only where LOG_LEVEL is DEBUG', async () => {
    await handlerDoing(async () => (log.debug('detail'), 'done'))({});
    process.env.LOG_LEVEL = 'DEBUG';
    await handlerDoing(async () => (log.debug('detail'), 'done'))({});
    expect(output.logs()).toEqual([expect.objectContaining({ level: 'DEBUG', message: 'detail' })]);
  });

  it('fails the invocation loudly on a log level no stage may have', async () => {
    process.env.LOG_LEVEL = 'VERBOSE';
    const work = jest.fn(async () => 'done');
    await expect(handlerDoing(work)({})).rejects.toThrow('LOG_LEVEL must be one of DEBUG, INFO, got "VERBOSE".');
    expect(work).not.toHaveBeenCalled();
  });

  it('publishes the metrics an invocation kept in one EMF record when it ends, even when it throws', async () => {
    const handler = handlerDoing(async () => {
      recordMetric('modelInputTokens', 120, {});
      recordMetric('modelInputTokens', 30, {});
      recordMetric('modelOutputTokens', 9, {});
      throw new Error('model failed');
    });
    await expect(handler({})).rejects.toThrow('model failed');

    const emf = output.metrics();
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ service: 'build-kickoff', Stage: 'test', ModelInputTokens: [120, 30], ModelOutputTokens: 9 });
    expect(emf[0]._aws).toEqual({
      Timestamp: expect.any(Number),
      CloudWatchMetrics: [
        {
          Namespace: 'FABLE',
          Dimensions: [['service', 'Stage']],
          Metrics: [
            { Name: 'ModelInputTokens', Unit: 'Count' },
            { Name: 'ModelOutputTokens', Unit: 'Count' },
          ],
        },
      ],
    });
    // Published once: the next invocation starts empty.
    await handlerDoing(async () => 'done')({});
    expect(output.metrics()).toHaveLength(1);
  });

  it('publishes a metric with dimensions of its own as its own record, at once', async () => {
    await handlerDoing(async () => {
      recordMetric('messages', 1, { Intent: 'BUILD' });
      recordMetric('modelInputTokens', 5, {});
      expect(output.metrics()).toHaveLength(1);
      return 'done';
    })({});
    const [messages] = metricValues(output.metrics(), 'Messages');
    expect(messages.record).toMatchObject({ Intent: 'BUILD', Stage: 'test', service: 'build-kickoff' });
    expect(messages.record).not.toHaveProperty('ModelInputTokens');
    expect(messages.record._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'Stage', 'Intent']]);
    expect(metricValues(output.metrics(), 'ModelInputTokens')[0].record._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'Stage']]);
  });

  it('counts the spend caps\' refusals by reason (a container\'s quotas count through recordRefusal)', async () => {
    const quotas = containerQuotas(dynamoDocumentClient(), QUOTA_ENV, { dynamo: dynamoDocumentClient(), tableName: 'fable-test-audit' });
    expect(quotas.countRefusal).toBe(recordRefusal);
    await handlerDoing(async () => {
      for (const reason of REFUSAL_REASONS) quotas.countRefusal?.(reason);
      return 'done';
    })({});
    const refusals = metricValues(output.metrics(), METRICS.refusals.name);
    expect(refusals.map(({ value, record }) => ({ value, Reason: record.Reason, Stage: record.Stage }))).toEqual(
      REFUSAL_REASONS.map((reason) => ({ value: 1, Reason: reason, Stage: 'test' })),
    );
    expect(refusals[0].record._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'FABLE', Metrics: [{ Name: 'Refusals', Unit: 'Count' }] });
  });

  it('leaves AWS clients as they are outside Lambda, where tracing is off', () => {
    const client = new DynamoDBClient({ region: 'us-west-2' });
    const before = client.middlewareStack.identify();
    expect(traced(client)).toBe(client);
    expect(client.middlewareStack.identify()).toEqual(before);
    client.destroy();
  });
});
