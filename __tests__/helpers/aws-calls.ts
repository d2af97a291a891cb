/**
 * The AWS calls handler code makes, and the IAM authorizations AWS performs for each: recorded
 * on real SDK clients (a middleware, for calls that reach a local engine) and read from
 * aws-sdk-client-mock stubs (for APIs with no local engine), then mapped to IAM requests the way
 * each service authorizes them (per item of a transaction, PassRole behind CreateFunction, S3
 * reads behind code from S3, both ARNs of an inference profile call...).
 */
import type { AwsStub } from 'aws-sdk-client-mock';
import type { IamRequest } from './iam-simulator';
import { FAKE_ACCOUNT, FAKE_REGION } from './terraform-tokens';

export interface AwsCall {
  /** The SDK service, e.g. `DynamoDB`, `Lambda` (the client class name without `Client`). */
  readonly service: string;
  /** The operation, e.g. `GetItem` (the command class name without `Command`). */
  readonly operation: string;
  readonly input: Record<string, any>;
}

interface MiddlewareClient {
  readonly middlewareStack: { add(middleware: unknown, options: { step: 'initialize'; name: string; override?: boolean }): void };
}

/** Record every call sent through `client` (and document clients built on it) into `calls`. */
export function recordCalls(client: MiddlewareClient, calls: AwsCall[]): void {
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { clientName: string; commandName: string }) => async (args: { input: Record<string, any> }) => {
      calls.push({ service: context.clientName.replace(/Client$/, ''), operation: context.commandName.replace(/Command$/, ''), input: args.input });
      return next(args);
    },
    { step: 'initialize', name: 'fable-record-calls', override: true },
  );
}

/** The calls an aws-sdk-client-mock stub received, as the service it stands for sees them. */
export function mockedCalls(service: string, mock: AwsStub<any, any, any>): AwsCall[] {
  return mock.calls().map((call) => {
    const command = call.args[0] as { constructor: { name: string }; input: Record<string, any> };
    return { service, operation: command.constructor.name.replace(/Command$/, ''), input: command.input };
  });
}

/** What a mapping needs beyond the call: where the WebSocket management endpoint is. */
export interface CallContext {
  /** `https://<apiId>.execute-api.<region>.amazonaws.com/<stage>`. */
  readonly websocketEndpoint?: string;
}

const arn = (service: string, resource: string) => `arn:aws:${service}:${FAKE_REGION}:${FAKE_ACCOUNT}:${resource}`;

function functionArn(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? nameOrArn : arn('lambda', `function:${nameOrArn}`);
}

const tableArn = (table: string) => arn('dynamodb', `table/${table}`);

/** Inference profile ids start with a geography; the call is authorized on the profile and on the model in the region it routes to. */
function modelArns(modelId: string): string[] {
  const profile = /^(us|eu|apac|us-gov|global)\./.exec(modelId);
  if (!profile) return [`arn:aws:bedrock:${FAKE_REGION}::foundation-model/${modelId}`];
  return [arn('bedrock', `inference-profile/${modelId}`), `arn:aws:bedrock:us-east-2::foundation-model/${modelId.slice(profile[0].length)}`];
}

function tagContext(tags: Record<string, string> | undefined): Record<string, string | string[]> {
  if (!tags) return {};
  return { ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])), 'aws:TagKeys': Object.keys(tags) };
}

function dynamoRequests(operation: string, input: Record<string, any>): IamRequest[] {
  switch (operation) {
    case 'GetItem':
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
    case 'Scan':
      return [{ action: `dynamodb:${operation}`, resource: tableArn(input.TableName) }];
    case 'Query':
      return [{ action: 'dynamodb:Query', resource: input.IndexName ? `${tableArn(input.TableName)}/index/${input.IndexName}` : tableArn(input.TableName) }];
    case 'TransactWriteItems':
      // A transaction is authorized item by item.
      return (input.TransactItems as Record<string, any>[]).map((item) => {
        const [kind, body] = Object.entries(item)[0];
        const action = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' }[kind];
        if (!action) throw new Error(`unknown transaction item ${kind}`);
        return { action: `dynamodb:${action}`, resource: tableArn(body.TableName) };
      });
    case 'TransactGetItems':
      return (input.TransactItems as { Get: { TableName: string } }[]).map((item) => ({ action: 'dynamodb:GetItem', resource: tableArn(item.Get.TableName) }));
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(input.RequestItems).map((table) => ({ action: `dynamodb:${operation}`, resource: tableArn(table) }));
    default:
      throw new Error(`no IAM mapping for DynamoDB ${operation}`);
  }
}

function lambdaRequests(operation: string, input: Record<string, any>): IamRequest[] {
  const resource = functionArn(input.FunctionName);
  const code = (bucket?: string, key?: string): IamRequest[] =>
    bucket && key ? [{ action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/${key}` }] : [];
  const passRole = (role?: string): IamRequest[] =>
    role ? [{ action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } }] : [];
  switch (operation) {
    case 'Invoke':
      return [{ action: 'lambda:InvokeFunction', resource }];
    case 'CreateFunction': {
      const tags = tagContext(input.Tags);
      return [
        { action: 'lambda:CreateFunction', resource, context: tags },
        ...(input.Tags ? [{ action: 'lambda:TagResource', resource, context: tags }] : []),
        ...passRole(input.Role),
        ...code(input.Code?.S3Bucket, input.Code?.S3Key),
      ];
    }
    case 'UpdateFunctionCode':
      return [{ action: 'lambda:UpdateFunctionCode', resource }, ...code(input.S3Bucket, input.S3Key)];
    case 'UpdateFunctionConfiguration':
      return [{ action: 'lambda:UpdateFunctionConfiguration', resource }, ...passRole(input.Role)];
    case 'GetFunction':
      // GetFunction returns the function's tags, which takes ListTags too.
      return [{ action: 'lambda:GetFunction', resource }, { action: 'lambda:ListTags', resource }];
    case 'CreateFunctionUrlConfig':
    case 'UpdateFunctionUrlConfig':
      return [{ action: `lambda:${operation}`, resource, context: { 'lambda:FunctionUrlAuthType': input.AuthType } }];
    default:
      return [{ action: `lambda:${operation}`, resource }];
  }
}

function websocketRequests(operation: string, input: Record<string, any>, context: CallContext): IamRequest[] {
  if (!context.websocketEndpoint) throw new Error('a WebSocket call needs the management endpoint');
  const { hostname, pathname } = new URL(context.websocketEndpoint);
  const apiId = hostname.split('.')[0];
  const stage = pathname.replace(/^\//, '');
  const method = { PostToConnection: 'POST', DeleteConnection: 'DELETE', GetConnection: 'GET' }[operation];
  if (!method) throw new Error(`no IAM mapping for ApiGatewayManagementApi ${operation}`);
  return [{ action: 'execute-api:ManageConnections', resource: arn('execute-api', `${apiId}/${stage}/${method}/@connections/${input.ConnectionId}`) }];
}

function s3Requests(operation: string, input: Record<string, any>): IamRequest[] {
  const object = (key: string) => `arn:aws:s3:::${input.Bucket}/${key}`;
  switch (operation) {
    // Listing is authorized on the bucket, with the prefix asked for.
    case 'ListObjectsV2':
      return [{ action: 's3:ListBucket', resource: `arn:aws:s3:::${input.Bucket}`, context: { 's3:prefix': input.Prefix ?? '' } }];
    // A batch delete is authorized object by object.
    case 'DeleteObjects':
      return (input.Delete.Objects as { Key: string }[]).map(({ Key }) => ({ action: 's3:DeleteObject', resource: object(Key) }));
    // HeadObject is authorized as GetObject.
    case 'HeadObject':
      return [{ action: 's3:GetObject', resource: object(input.Key) }];
    default:
      return [{ action: `s3:${operation}`, resource: object(input.Key) }];
  }
}

/**
 * A pre-signed URL is a call made later by whoever holds it, with the signer's credentials: a
 * GetObject of the URL's object, authorized against the signer's role.
 */
export function presignedCall(url: string): AwsCall {
  const { hostname, pathname } = new URL(url);
  return { service: 'S3', operation: 'GetObject', input: { Bucket: hostname.split('.')[0], Key: decodeURIComponent(pathname.slice(1)) } };
}

/**
 * Step Functions authorizes StartExecution on the machine, StopExecution on the execution, and
 * the task-token callbacks on no resource at all (`*`: the token is the capability).
 */
function sfnRequests(operation: string, input: Record<string, any>): IamRequest[] {
  switch (operation) {
    case 'StartExecution':
      return [{ action: 'states:StartExecution', resource: input.stateMachineArn }];
    case 'StopExecution':
      return [{ action: 'states:StopExecution', resource: input.executionArn }];
    case 'SendTaskSuccess':
    case 'SendTaskFailure':
      return [{ action: `states:${operation}`, resource: '*' }];
    default:
      throw new Error(`no IAM mapping for SFN ${operation}`);
  }
}

/** The IAM authorizations AWS performs for one call. */
export function iamRequests(call: AwsCall, context: CallContext = {}): IamRequest[] {
  const { service, operation, input } = call;
  switch (service) {
    case 'DynamoDB':
      return dynamoRequests(operation, input);
    case 'Lambda':
      return lambdaRequests(operation, input);
    case 'S3':
      return s3Requests(operation, input);
    case 'SFN':
      return sfnRequests(operation, input);
    case 'ApiGatewayManagementApi':
      return websocketRequests(operation, input, context);
    case 'BedrockRuntime': {
      const action = { Converse: 'bedrock:InvokeModel', InvokeModel: 'bedrock:InvokeModel', ConverseStream: 'bedrock:InvokeModelWithResponseStream', InvokeModelWithResponseStream: 'bedrock:InvokeModelWithResponseStream' }[operation];
      if (!action) throw new Error(`no IAM mapping for BedrockRuntime ${operation}`);
      return modelArns(input.modelId).map((resource) => ({ action, resource }));
    }
    case 'SecretsManager':
      return [{ action: `secretsmanager:${operation}`, resource: input.SecretId }];
    case 'CloudWatchLogs': {
      const resource = arn('logs', `log-group:${input.logGroupName}`);
      const tags = tagContext(input.tags);
      return [
        { action: `logs:${operation}`, resource, context: tags },
        ...(operation === 'CreateLogGroup' && input.tags ? [{ action: 'logs:TagResource', resource, context: tags }] : []),
      ];
    }
    default:
      throw new Error(`no IAM mapping for ${service} ${operation}`);
  }
}
