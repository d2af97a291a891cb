import { resourceName, type StageConfig } from '../config';
import type { AwsEnvironment } from '../platform/aws-environment';

/**
 * The names and ARN patterns of tool hosting. Tool functions are `fable-<stage>-tool-<toolName>`,
 * and the deployer itself is `fable-<stage>-tool-deployer` (both fixed by the contract): every
 * pattern over tool functions therefore also matches the deployer, and every grant on the pattern
 * is paired with a Deny on the deployer's own ARNs.
 */
export class ToolArns {
  /** `fable-<stage>-tool-`. */
  readonly functionPrefix: string;
  readonly deployerName: string;
  /** `function:fable-<stage>-tool-*`. */
  readonly toolFunctions: string;
  /** The deployer function, unqualified and qualified. */
  readonly deployerFunction: readonly string[];
  /** Tool log groups and their streams: `/aws/lambda/fable-<stage>-tool-*`. */
  readonly toolLogGroups: readonly string[];
  readonly deployerLogGroup: readonly string[];

  constructor(config: StageConfig, env: AwsEnvironment) {
    this.functionPrefix = resourceName(config.stage, 'tool-');
    this.deployerName = resourceName(config.stage, 'tool-deployer');
    const lambda = (resource: string) => env.arn({ service: 'lambda', resource: `function:${resource}` });
    const logGroup = (name: string) => env.arn({ service: 'logs', resource: `log-group:/aws/lambda/${name}` });
    this.toolFunctions = lambda(`${this.functionPrefix}*`);
    this.deployerFunction = [lambda(this.deployerName), lambda(`${this.deployerName}:*`)];
    this.toolLogGroups = [logGroup(`${this.functionPrefix}*`), logGroup(`${this.functionPrefix}*:log-stream:*`)];
    this.deployerLogGroup = [logGroup(this.deployerName), logGroup(`${this.deployerName}:*`)];
  }
}
