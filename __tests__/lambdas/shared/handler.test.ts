import * as z from 'zod';
import { ThrottlingException } from '@aws-sdk/client-bedrock-runtime';
import { FUNCTION_SETTINGS } from '../../../lambdas/shared/contract';
import { directInvoke, invocationDeadline, lambdaHandler, remainingTimeMs } from '../../../lambdas/shared/handler';
import { conflict } from '../../../lambdas/shared/responses';
import { lambdaContext } from '../../helpers/lambda-events';
import { captureOutput, TELEMETRY_ENV } from '../../helpers/telemetry';

const ENV = {
  ...TELEMETRY_ENV,
  BUILDS_TABLE: 'fable-test-builds',
  ARTIFACTS_BUCKET: 'bucket',
  STATE_MACHINE_ARN: 'arn:sm',
  BUILDS_PAUSED: 'false',
  AUDIT_TABLE: 'fable-test-audit',
  QUOTAS_TABLE: 'fable-test-quotas',
  QUOTA_LIMITS: '{}',
  BUILD_SLOT_SECONDS: '7200',
};

describe('lambdaHandler', () => {
  afterEach(() => {
    for (const key of Object.keys(ENV)) delete process.env[key];
  });

  it('reads the configuration and builds the dependencies once per container, at the first invocation', async () => {
    const makeDeps = jest.fn((env: Record<string, string>) => ({ table: env.BUILDS_TABLE }));
    const invoke = jest.fn(async (event: unknown, deps: { table: string }) => ({ event, table: deps.table }));
    const handler = lambdaHandler('build-kickoff', makeDeps, invoke);
    expect(makeDeps).not.toHaveBeenCalled();

    Object.assign(process.env, ENV);
    expect(await handler({ n: 1 })).toEqual({ event: { n: 1 }, table: 'fable-test-builds' });
    expect(await handler({ n: 2 })).toEqual({ event: { n: 2 }, table: 'fable-test-builds' });
    expect(makeDeps).toHaveBeenCalledTimes(1);
    expect(makeDeps).toHaveBeenCalledWith(ENV);
  });

  it('fails the invocation loudly while the environment is incomplete, and recovers once it is complete', async () => {
    const invoke = jest.fn(async () => 'answered');
    const handler = lambdaHandler('build-kickoff', (env) => env, invoke);
    await expect(handler({})).rejects.toThrow(
      'build-kickoff: missing environment variables STAGE, LOG_LEVEL, BUILDS_TABLE, ARTIFACTS_BUCKET, STATE_MACHINE_ARN, BUILDS_PAUSED, AUDIT_TABLE, QUOTAS_TABLE, QUOTA_LIMITS, BUILD_SLOT_SECONDS',
    );
    expect(invoke).not.toHaveBeenCalled();
    Object.assign(process.env, ENV);
    expect(await handler({})).toBe('answered');
  });

  it('passes the Lambda context through', async () => {
    Object.assign(process.env, ENV);
    const context = lambdaContext(1_234);
    const handler = lambdaHandler('build-kickoff', () => ({}), async (_event, _deps, given) => given?.getRemainingTimeInMillis());
    expect(await handler({}, context)).toBe(1_234);
  });
});

describe('invocation time', () => {
  it('comes from the context when Lambda gives one', () => {
    expect(remainingTimeMs('memory', lambdaContext(12_000), 5_000)).toBe(7_000);
    expect(remainingTimeMs('memory', lambdaContext(3_000), 5_000)).toBe(0);
    const before = Date.now();
    expect(invocationDeadline('chat', lambdaContext(45_000)) - before).toBeGreaterThanOrEqual(45_000);
  });

  it('is the function’s configured timeout in a local run', () => {
    expect(remainingTimeMs('chat')).toBe(FUNCTION_SETTINGS.chat.timeoutSeconds * 1000);
    expect(remainingTimeMs('db-init', undefined, 60_000)).toBe(FUNCTION_SETTINGS['db-init'].timeoutSeconds * 1000 - 60_000);
    const before = Date.now();
    const deadline = invocationDeadline('chat');
    expect(deadline - before).toBeGreaterThanOrEqual(FUNCTION_SETTINGS.chat.timeoutSeconds * 1000);
    expect(deadline - Date.now()).toBeLessThanOrEqual(FUNCTION_SETTINGS.chat.timeoutSeconds * 1000);
  });
});

describe('directInvoke', () => {
  const schema = z.object({ name: z.string(), limit: z.int().default(5) });

  it('answers {success:true} with the body of the work on the checked request', async () => {
    const invoke = directInvoke(schema, async (request, deps: { prefix: string }) => ({ greeting: `${deps.prefix} ${request.name} ${request.limit}` }));
    expect(await invoke({ name: 'fable' }, { prefix: 'hi' })).toEqual({ success: true, greeting: 'hi fable 5' });
  });

  it('answers bad input with BAD_REQUEST without running the work', async () => {
    const work = jest.fn(async () => ({}));
    expect(await directInvoke(schema, work)({ name: 7 }, {})).toEqual({
      success: false,
      error: { code: 'BAD_REQUEST', message: 'name must be a string' },
    });
    expect(work).not.toHaveBeenCalled();
  });

  it('answers a refusal with its contract code, and rethrows transient AWS faults for the caller’s retry', async () => {
    expect(await directInvoke(schema, async () => Promise.reject(conflict('taken')))({ name: 'n' }, {})).toEqual({
      success: false,
      error: { code: 'CONFLICT', message: 'taken' },
    });
    const throttled = new ThrottlingException({ message: 'slow down', $metadata: {} });
    await expect(directInvoke(schema, async () => Promise.reject(throttled))({ name: 'n' }, {})).rejects.toBe(throttled);
  });

  it('answers anything else as INTERNAL without its details', async () => {
    const output = captureOutput();
    expect(await directInvoke(schema, async () => Promise.reject(new Error('secret detail')))({ name: 'n' }, {})).toEqual({
      success: false,
      error: { code: 'INTERNAL', message: 'Internal error' },
    });
    output.restore();
    // The details go to the function's log, for its operators.
    expect(output.logs()).toEqual([expect.objectContaining({ level: 'ERROR', message: 'unhandled error', error: { name: 'Error', message: 'secret detail' } })]);
  });
});
