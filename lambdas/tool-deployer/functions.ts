import {
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionUrlConfigCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type GetFunctionCommandOutput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { LIVE_ALIAS, TOOL_TAGS, type DeployRequest } from '../shared/contract';
import { errorName } from '../shared/aws-errors';
import { badRequest, conflict, HandlerError } from '../shared/responses';
import type { DeployerDeps } from './settings';
import { log } from '../shared/telemetry';

/** Every tool runs on arm64, from `index.mjs`/`index.js` exporting `handler`. */
export const TOOL_ARCHITECTURE = 'arm64';
export const TOOL_HANDLER = 'index.handler';
/** The only Function URL auth type the deployer ever sets (its IAM policy allows no other). */
export const TOOL_URL_AUTH_TYPE = 'AWS_IAM';

export type ExistingFunction = GetFunctionCommandOutput;

const isNotFound = (error: unknown) => errorName(error) === 'ResourceNotFoundException';

/**
 * Lambda's refusals that the caller can act on become contract errors; anything else (throttling,
 * 5xx) propagates so `respond` rethrows transient faults for the caller's retry.
 */
async function lambdaCall<T>(functionName: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const name = errorName(error);
    if (name === 'ResourceConflictException') throw conflict(`Another change to ${functionName} is in progress; retry`);
    if (name === 'InvalidParameterValueException') {
      throw badRequest(`Lambda rejected the code or settings of ${functionName}; check that s3Key names a valid zip`);
    }
    throw error;
  }
}

/** The function with its tags, or undefined when it does not exist. */
export async function findFunction(lambda: LambdaClient, functionName: string): Promise<ExistingFunction | undefined> {
  try {
    return await lambda.send(new GetFunctionCommand({ FunctionName: functionName }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * A function may be adopted only if this deployer made it for this org and tool (a crashed earlier
 * deploy). Anything else under the tool prefix is never overwritten.
 */
export function assertAdoptable(existing: ExistingFunction, request: DeployRequest, stage: string): void {
  const tags = existing.Tags ?? {};
  const owned =
    tags[TOOL_TAGS.stage] === stage && tags[TOOL_TAGS.org] === request.orgId && tags[TOOL_TAGS.tool] === request.toolName;
  if (!owned) throw conflict(`A function for tool ${request.toolName} exists and is not owned by this organization`);
}

/** Who owns a tool's resources: the deployer checks these before adopting, and IAM conditions on them. */
export function toolTags(stage: string, request: DeployRequest): Record<string, string> {
  return { [TOOL_TAGS.stage]: stage, [TOOL_TAGS.org]: request.orgId, [TOOL_TAGS.tool]: request.toolName };
}

/** Lambda caps descriptions at 256 characters; the schema's description is the natural one. */
const functionDescription = (request: DeployRequest) => request.schema.description.slice(0, 256);

function toolEnvironment(deps: DeployerDeps, request: DeployRequest): Record<string, string> {
  // Reserved keys last, so nothing in the payload can override them.
  return { ...request.environment, TOOL_NAME: request.toolName, STAGE: deps.settings.stage };
}

async function waitFor(deps: DeployerDeps, functionName: string, target: 'active' | 'updated'): Promise<void> {
  const params = { client: deps.lambda, ...deps.settings.waiter };
  try {
    if (target === 'active') await waitUntilFunctionActiveV2(params, { FunctionName: functionName });
    else await waitUntilFunctionUpdatedV2(params, { FunctionName: functionName });
  } catch (error) {
    const timedOut = errorName(error) === 'TimeoutError';
    // The waiter's message embeds whole GetFunction responses (environment included): log the outcome only.
    log.warn('tool function not ready', { functionName, target, timedOut });
    throw new HandlerError(
      'INTERNAL',
      timedOut ? `${functionName} did not become ${target} in time; deploy again to resume` : `${functionName} failed to become ${target}`,
    );
  }
}

function requireArn(arn: string | undefined, functionName: string): string {
  if (!arn) throw new Error(`Lambda returned no ARN for ${functionName}`);
  return arn;
}

export async function createToolFunction(deps: DeployerDeps, functionName: string, request: DeployRequest): Promise<string> {
  const { settings } = deps;
  const created = await lambdaCall(functionName, () =>
    deps.lambda.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Description: functionDescription(request),
        Runtime: settings.runtime,
        Architectures: [TOOL_ARCHITECTURE],
        Handler: TOOL_HANDLER,
        Role: settings.roleArn,
        Code: { S3Bucket: settings.bucket, S3Key: request.s3Key },
        MemorySize: request.memorySize,
        Timeout: request.timeout,
        Environment: { Variables: toolEnvironment(deps, request) },
        TracingConfig: { Mode: 'Active' },
        Tags: toolTags(settings.stage, request),
      }),
    ),
  );
  await waitFor(deps, functionName, 'active');
  return requireArn(created.FunctionArn, functionName);
}

/** Bring an existing function to the request: code first, then configuration, each awaited. */
export async function updateToolFunction(
  deps: DeployerDeps,
  functionName: string,
  request: DeployRequest,
  existing: ExistingFunction,
): Promise<string> {
  const { settings } = deps;
  // An adopted function may still be finishing its creation or a previous update.
  if (existing.Configuration?.State === 'Pending') await waitFor(deps, functionName, 'active');
  if (existing.Configuration?.LastUpdateStatus === 'InProgress') await waitFor(deps, functionName, 'updated');
  await lambdaCall(functionName, () =>
    deps.lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: functionName,
        S3Bucket: settings.bucket,
        S3Key: request.s3Key,
        Architectures: [TOOL_ARCHITECTURE],
      }),
    ),
  );
  await waitFor(deps, functionName, 'updated');
  const configured = await lambdaCall(functionName, () =>
    deps.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: functionName,
        Description: functionDescription(request),
        Runtime: settings.runtime,
        Handler: TOOL_HANDLER,
        Role: settings.roleArn,
        MemorySize: request.memorySize,
        Timeout: request.timeout,
        Environment: { Variables: toolEnvironment(deps, request) },
        TracingConfig: { Mode: 'Active' },
      }),
    ),
  );
  await waitFor(deps, functionName, 'updated');
  return requireArn(configured.FunctionArn, functionName);
}

/** At most this many copies of the tool run at once, so one tool cannot take the account's concurrency. */
export async function reserveConcurrency(lambda: LambdaClient, functionName: string, reserved: number): Promise<void> {
  await lambdaCall(functionName, () =>
    lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: functionName, ReservedConcurrentExecutions: reserved })),
  );
}

/**
 * Publish what $LATEST now holds as an immutable version. With the approved package's SHA-256,
 * Lambda publishes only if the function's code is exactly those bytes (CodeSha256 is the base64
 * of the same digest).
 */
export async function publishToolVersion(deps: DeployerDeps, functionName: string, sha256: string): Promise<string> {
  const published = await lambdaCall(functionName, () =>
    deps.lambda.send(
      new PublishVersionCommand({
        FunctionName: functionName,
        CodeSha256: Buffer.from(sha256, 'hex').toString('base64'),
      }),
    ),
  );
  if (!published.Version) throw new Error(`Lambda published no version of ${functionName}`);
  return published.Version;
}

/** Point the `live` alias at `version`, creating the alias on a tool's first deploy. */
export async function pointLiveAlias(lambda: LambdaClient, functionName: string, version: string): Promise<void> {
  try {
    await lambdaCall(functionName, () =>
      lambda.send(new UpdateAliasCommand({ FunctionName: functionName, Name: LIVE_ALIAS, FunctionVersion: version })),
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await lambdaCall(functionName, () =>
      lambda.send(new CreateAliasCommand({ FunctionName: functionName, Name: LIVE_ALIAS, FunctionVersion: version })),
    );
  }
}

export async function createFunctionUrl(lambda: LambdaClient, functionName: string): Promise<string> {
  const created = await lambdaCall(functionName, () =>
    lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: functionName, Qualifier: LIVE_ALIAS, AuthType: TOOL_URL_AUTH_TYPE })),
  );
  if (!created.FunctionUrl) throw new Error(`Lambda returned no Function URL for ${functionName}`);
  return created.FunctionUrl;
}

/**
 * The URL of the `live` alias, created if missing and switched back to AWS_IAM if anyone opened
 * it up. A URL on the unqualified function (tools deployed before versions) would serve $LATEST
 * past any rollback, so it is removed.
 */
export async function ensureFunctionUrl(lambda: LambdaClient, functionName: string): Promise<string> {
  await ignoringNotFound(() =>
    lambdaCall(functionName, () => lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: functionName }))),
  );
  let current;
  try {
    current = await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: functionName, Qualifier: LIVE_ALIAS }));
  } catch (error) {
    if (isNotFound(error)) return createFunctionUrl(lambda, functionName);
    throw error;
  }
  if (current.AuthType !== TOOL_URL_AUTH_TYPE) {
    await lambdaCall(functionName, () =>
      lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: functionName, Qualifier: LIVE_ALIAS, AuthType: TOOL_URL_AUTH_TYPE })),
    );
  }
  if (!current.FunctionUrl) throw new Error(`Lambda returned no Function URL for ${functionName}`);
  return current.FunctionUrl;
}

async function ignoringNotFound(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/**
 * URL, then function (with every version and alias); either already gone is fine, so an
 * interrupted undeploy can simply run again.
 */
export async function deleteToolFunction(lambda: LambdaClient, functionName: string): Promise<void> {
  await ignoringNotFound(() =>
    lambdaCall(functionName, () => lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: functionName, Qualifier: LIVE_ALIAS }))),
  );
  await ignoringNotFound(() => lambdaCall(functionName, () => lambda.send(new DeleteFunctionCommand({ FunctionName: functionName }))));
}
