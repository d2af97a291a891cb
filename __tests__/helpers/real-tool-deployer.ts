/**
 * The real tool-deployer for the offline pipeline run: the handler code of lambdas/tool-deployer
 * behind the same direct-invoke edge its index.ts uses, over the stateful fake Lambda control
 * plane, fake CloudWatch Logs and the tools table on DynamoDB Local.
 */
import { DeleteCommand, GetCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { keys, type DirectResponse, type LambdaEnvironment } from '../../lambdas/shared/contract';
import { lambdaConfig } from '../../lambdas/shared/config';
import { deployerSettings, type DeployerDeps, type WaiterSettings } from '../../lambdas/tool-deployer/settings';
import { invokeToolDeployer } from '../../lambdas/tool-deployer/dispatch';
import { resourceName, type StageConfig } from '../../src/config';
import { LAMBDA_RUNTIME } from '../../src/compute/runtime';
import type { StackJson } from './synth';
import { FAKE_ACCOUNT, resolveTokens } from './terraform-tokens';
import { FakeLambda } from './fake-lambda';
import { FAST_WAITER, fakeLogs, SHORT_WAITER } from './tool-deployer-harness';

/**
 * The deployer's environment as ToolHosting sets it. The pipeline stack holds a stand-in for the
 * deployer, so the table and bucket come from that stack and the names follow tool hosting's
 * naming (`fable-<stage>-tool-`, `fable-<stage>-tool-execution`, `fable-<stage>-tool-boundary`).
 */
export function toolDeployerEnvironment(json: StackJson, config: StageConfig): LambdaEnvironment<'tool-deployer'> {
  /** `name`, checked to be the name of one of the stack's resources of `type`. */
  const inStack = (type: string, attribute: string, name: string) => {
    const names = Object.values(json.resource[type] ?? {}).map((resource) => resolveTokens(json, resource[attribute]));
    if (!names.includes(name)) throw new Error(`The stack has no ${type} named ${name}`);
    return name;
  };
  return {
    STAGE: config.stage,
    LOG_LEVEL: config.logLevel,
    TOOLS_TABLE: inStack('aws_dynamodb_table', 'name', resourceName(config.stage, 'tools')),
    ARTIFACTS_BUCKET: inStack('aws_s3_bucket', 'bucket', `${resourceName(config.stage, 'artifacts')}-${FAKE_ACCOUNT}`),
    TOOL_ROLE_ARN: `arn:aws:iam::${FAKE_ACCOUNT}:role/${resourceName(config.stage, 'tool-execution')}`,
    TOOL_FUNCTION_PREFIX: resourceName(config.stage, 'tool-'),
    TOOL_RUNTIME: LAMBDA_RUNTIME,
    TOOL_BOUNDARY_ARN: `arn:aws:iam::${FAKE_ACCOUNT}:policy/${resourceName(config.stage, 'tool-boundary')}`,
    TOOL_LOG_RETENTION_DAYS: String(config.logRetentionDays),
    TOOL_RESERVED_CONCURRENCY: String(config.tools.reservedConcurrency),
    AUDIT_TABLE: inStack('aws_dynamodb_table', 'name', resourceName(config.stage, 'audit')),
  };
}

export class RealToolDeployer {
  /** The Lambda control plane the deployer talks to; every command it sent can be asserted. */
  readonly lambda = new FakeLambda();
  /** Where tool log groups are made ready. */
  readonly logs = fakeLogs();
  private readonly tableName: string;
  private deps: DeployerDeps;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly env: LambdaEnvironment<'tool-deployer'>,
    private readonly dynamo: DynamoDBDocumentClient,
  ) {
    this.tableName = env.TOOLS_TABLE;
    this.deps = this.depsWith(FAST_WAITER);
  }

  /** The Lambda handler: `{action, payload}` -> `{success...}`, transient AWS errors rethrown. */
  readonly handler = (event: unknown): Promise<DirectResponse> => {
    const deps = this.deps;
    const invocation = invokeToolDeployer(event, deps);
    this.inFlight.add(invocation);
    const done = () => this.inFlight.delete(invocation);
    invocation.then(done, done);
    return invocation;
  };

  /**
   * Every invocation has finished. A Map whose iteration failed stops waiting for the others, but
   * their Lambda invocations run to the end, as they would in AWS.
   */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Waits give up after 50 ms: a function that never becomes ready fails fast. */
  useShortWaits(): void {
    this.deps = this.depsWith(SHORT_WAITER);
  }

  async toolRecord(toolName: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.tableName, Key: { PK: keys.tool(toolName), SK: keys.meta } }));
    return Item;
  }

  /** No functions, no tool records, no command history, prompt waits. */
  async reset(): Promise<void> {
    await this.settled();
    this.lambda.functions.clear();
    this.lambda.clearHistory();
    this.lambda.pollsUntilActive = 1;
    this.lambda.pollsUntilUpdated = 1;
    this.deps = this.depsWith(FAST_WAITER);
    const { Items = [] } = await this.dynamo.send(new ScanCommand({ TableName: this.tableName }));
    for (const { PK, SK } of Items) await this.dynamo.send(new DeleteCommand({ TableName: this.tableName, Key: { PK, SK } }));
  }

  private depsWith(waiter: WaiterSettings): DeployerDeps {
    // As index.ts: the environment is read (and checked complete) by lambdaConfig.
    return {
      lambda: this.lambda.client,
      dynamo: this.dynamo,
      logs: this.logs.client,
      // The S3Client class is mocked by the test that runs the pipeline: it reads the bundles from the test's bucket.
      s3: new S3Client({ region: 'us-west-2' }),
      audit: { dynamo: this.dynamo, tableName: this.env.AUDIT_TABLE },
      settings: deployerSettings(lambdaConfig('tool-deployer', this.env), waiter),
    };
  }
}
