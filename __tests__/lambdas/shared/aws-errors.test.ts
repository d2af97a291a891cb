import { ThrottlingException as BedrockThrottling, ValidationException } from '@aws-sdk/client-bedrock-runtime';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { ServiceException, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { errorName, isThrottling, isTransientAwsError } from '../../../lambdas/shared/aws-errors';
import { DatabaseUnavailableError } from '../../../lambdas/shared/database/availability';

const withStatus = <T extends Error>(error: T, httpStatusCode: number): T => Object.assign(error, { $metadata: { httpStatusCode } });
const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(name), { name, ...extra });

describe('AWS error classification (the SDK retry strategy’s own)', () => {
  it.each([
    ['Bedrock throttling', new BedrockThrottling({ message: 'slow down', $metadata: {} }), true],
    ['DynamoDB throughput exceeded', new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }), true],
    ['Lambda too many requests', new TooManyRequestsException({ message: 'rate', $metadata: {} }), true],
    ['any error answered with 429', withStatus(named('SomethingNew'), 429), true],
  ])('%s is throttling, and transient', (_label, error, expected) => {
    expect(isThrottling(error)).toBe(expected);
    expect(isTransientAwsError(error)).toBe(true);
  });

  it.each([
    ['a Lambda service fault (500)', withStatus(new ServiceException({ message: 'oops', $metadata: {} }), 500)],
    ['an unmodelled 503', withStatus(named('ServiceUnavailable'), 503)],
    ['any other 5xx', withStatus(named('InsufficientCapacity'), 507)],
    ['an SDK request timeout', named('TimeoutError')],
    ['a reset connection', named('Error', { code: 'ECONNRESET' })],
    ['an unreachable host', named('Error', { code: 'EHOSTUNREACH' })],
    ['an error carrying the $retryable trait', named('Flaky', { $retryable: {} })],
    ['FABLE’s own DatabaseUnavailableError ($retryable)', new DatabaseUnavailableError(new Error('refused'))],
  ])('%s is transient, not throttling', (_label, error) => {
    expect(isTransientAwsError(error)).toBe(true);
    expect(isThrottling(error)).toBe(false);
  });

  it.each([
    ['a validation error (400)', withStatus(new ValidationException({ message: 'bad', $metadata: {} }), 400)],
    ['an access denial', withStatus(named('AccessDeniedException'), 403)],
    ['a request the caller aborted', named('AbortError', { cause: named('TimeoutError') })],
    ['a plain Error', new Error('boom')],
    ['a string', 'ThrottlingException'],
    ['null', null],
    ['undefined', undefined],
  ])('%s is final', (_label, error) => {
    expect(isTransientAwsError(error)).toBe(false);
    expect(isThrottling(error)).toBe(false);
  });

  it('reads error names without assuming an object', () => {
    expect(errorName(named('GoneException'))).toBe('GoneException');
    expect(errorName('GoneException')).toBeUndefined();
    expect(errorName(undefined)).toBeUndefined();
  });
});
