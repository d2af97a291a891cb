import type { FableStage } from '../stage/fable-stage';

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
  /** Tool log groups: `/aws/lambda/fable-<stage>-tool-*` (the pattern also covers their streams). */
  readonly toolLogGroups: string;
  /** The streams of tool log groups, where a tool writes. */
  readonly toolLogStreams: string;
  /** The deployer's own log group and everything in it. */
  readonly deployerLogGroup: readonly string[];
  /** The streams of the deployer's log group. */
  readonly deployerLogStreams: string;

  constructor(stage: FableStage) {
    const { env } = stage;
    this.functionPrefix = stage.name('tool-');
    this.deployerName = stage.name('tool-deployer');
    const lambda = (resource: string) => env.arn({ service: 'lambda', resource: `function:${resource}` });
    const logGroup = (name: string) => env.arn({ service: 'logs', resource: `log-group:/aws/lambda/${name}` });
    this.toolFunctions = lambda(`${this.functionPrefix}*`);
    this.deployerFunction = [lambda(this.deployerName), lambda(`${this.deployerName}:*`)];
    this.toolLogGroups = logGroup(`${this.functionPrefix}*`);
    this.toolLogStreams = logGroup(`${this.functionPrefix}*:log-stream:*`);
    this.deployerLogGroup = [logGroup(this.deployerName), logGroup(`${this.deployerName}:*`)];
    this.deployerLogStreams = logGroup(`${this.deployerName}:log-stream:*`);
  }
}
