/**
 * Error names for Retry / Catch / Fail. Known names are a union so a typo is a compile error;
 * anything else goes through `customError()`.
 */

/** Predefined Step Functions errors. `States.Runtime` is left out on purpose: it cannot be caught or retried. */
export type StatesErrorName =
  | 'States.ALL'
  | 'States.TaskFailed'
  | 'States.Timeout'
  | 'States.HeartbeatTimeout'
  | 'States.Permissions'
  | 'States.ResultPathMatchFailure'
  | 'States.ParameterPathFailure'
  | 'States.BranchFailed'
  | 'States.NoChoiceMatched'
  | 'States.IntrinsicFailure';

/** Errors of the optimized `lambda:invoke` integration. */
export type LambdaErrorName =
  | 'Lambda.ServiceException'
  | 'Lambda.AWSLambdaException'
  | 'Lambda.SdkClientException'
  | 'Lambda.TooManyRequestsException'
  | 'Lambda.ClientExecutionTimeoutException'
  | 'Lambda.Unknown';

/**
 * Errors of the optimized `ecs:runTask` integration. `AmazonECS.Unknown` is what a `.sync`
 * RunTask reports when ECS answers with a non-empty `Failures` list (e.g. no Fargate capacity).
 */
export type EcsErrorName = 'ECS.AmazonECSException' | 'ECS.ServerException' | 'ECS.ClientException' | 'AmazonECS.Unknown';

/** Errors of the `aws-sdk:s3:*` integrations (`<Service>.<Name>Exception`). */
export type S3ErrorName = 'S3.NoSuchKeyException' | 'S3.S3Exception' | 'S3.SdkClientException';

declare const customErrorBrand: unique symbol;
/** An application-defined error name, made with `customError()`. */
export type CustomErrorName = string & { readonly [customErrorBrand]: true };

export type ErrorName = StatesErrorName | LambdaErrorName | EcsErrorName | S3ErrorName | CustomErrorName;

/** Escape hatch for error names outside the union (e.g. `FABLE.ToolDeployFailed`). */
export function customError(name: string): CustomErrorName {
  if (typeof name !== 'string' || name.trim() === '') throw new Error('customError(): the name must be a non-empty string');
  // The States.* namespace belongs to Step Functions; a made-up States.X would silently never match.
  if (name.startsWith('States.')) throw new Error(`customError('${name}'): the States.* namespace is reserved for Step Functions`);
  return name as CustomErrorName;
}

/** Transient Lambda service errors worth retrying (AWS's recommended set plus throttling). */
export const LAMBDA_TRANSIENT_ERRORS: readonly LambdaErrorName[] = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
];

/** ECS API / capacity errors: the task never ran, so starting it again is safe. */
export const ECS_TRANSIENT_ERRORS: readonly EcsErrorName[] = ['ECS.AmazonECSException', 'ECS.ServerException', 'AmazonECS.Unknown'];
