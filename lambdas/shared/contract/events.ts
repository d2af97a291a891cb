/** Direct-invoke events of DESIGN.md section 4 (fields beyond these are each handler's own). */
import type { BuildPhase, BuildStatus } from './protocol';

export interface BuildKickoffStartEvent {
  readonly action: 'start';
  readonly payload: {
    readonly request: string;
    readonly userId?: string;
    readonly orgId?: string;
    readonly conversationId?: string;
    readonly connectionId?: string;
    /** A retried kickoff with the same key (per user) returns the same build instead of starting another. */
    readonly idempotencyKey?: string;
  };
}
export interface BuildKickoffStatusEvent {
  readonly action: 'status';
  readonly payload: { readonly buildId: string };
}
export type BuildKickoffEvent = BuildKickoffStartEvent | BuildKickoffStatusEvent;

/** A build as build-kickoff's `status` action reports it. */
export interface BuildView {
  readonly buildId: string;
  readonly status: BuildStatus;
  readonly phase?: BuildPhase;
  readonly userId: string;
  readonly orgId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly result?: unknown;
  readonly error?: string;
}

/** Input of the build pipeline execution (the spec itself stays in S3). */
export interface PipelineInput {
  readonly buildId: string;
  readonly userId: string;
  readonly orgId: string;
  readonly connectionId?: string;
}

export interface UpdateBuildStatusEvent {
  readonly buildId: string;
  readonly status: Exclude<BuildStatus, 'pending'>;
  readonly phase?: BuildPhase;
  readonly result?: unknown;
  readonly error?: unknown;
}

export interface ToolSchema {
  readonly name: string;
  readonly description: string;
  readonly inputSchema?: Record<string, unknown>;
}

export interface ToolDeployEvent {
  readonly action: 'deploy';
  readonly payload: {
    readonly toolName: string;
    readonly s3Key: string;
    readonly schema: ToolSchema;
    readonly orgId?: string;
    readonly userId?: string;
    readonly memorySize?: number;
    readonly timeout?: number;
    /** Extra environment for the tool; `TOOL_NAME` and `STAGE` are set by the deployer and rejected here. */
    readonly environment?: Readonly<Record<string, string>>;
  };
}
export interface ToolUndeployEvent {
  readonly action: 'undeploy';
  readonly payload: { readonly toolName: string; readonly orgId?: string };
}
export interface ToolListEvent {
  readonly action: 'list';
  readonly payload: { readonly orgId: string; readonly nextToken?: string; readonly limit?: number };
}
export type ToolDeployerEvent = ToolDeployEvent | ToolUndeployEvent | ToolListEvent;

export interface DeployedTool {
  readonly toolName: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly functionUrl: string;
  readonly version: number;
}

export const TOOL_NAME_PATTERN = /^[a-z][a-z0-9-]{1,39}$/;
/**
 * Tool names that would collide with FABLE's own resources: tool functions are
 * `fable-<stage>-tool-<toolName>`, and the deployer itself is `fable-<stage>-tool-deployer`.
 */
export const RESERVED_TOOL_NAMES: readonly string[] = ['deployer'];

/** Tags on every tool function: who owns it (the deployer checks them before adopting a function) and IAM conditions. */
export const TOOL_TAGS = { stage: 'fable:stage', org: 'fable:org', tool: 'fable:tool' } as const;

/** One deployed tool in the tools table (PK `TOOL#<toolName>`, SK `META`, GSI1 by org). */
export interface ToolRecord {
  readonly PK: string;
  readonly SK: string;
  readonly GSI1PK: string;
  readonly GSI1SK: string;
  readonly toolName: string;
  readonly orgId: string;
  readonly userId: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly functionUrl: string;
  readonly s3Key: string;
  readonly schema: ToolSchema;
  readonly memorySize: number;
  readonly timeout: number;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const MEMORY_ACTIONS = ['create', 'search', 'get', 'update', 'delete', 'list'] as const;
export type MemoryAction = (typeof MEMORY_ACTIONS)[number];
export interface MemoryEvent {
  readonly action: MemoryAction;
  readonly payload: Record<string, unknown> & { readonly userId: string; readonly orgId: string };
}

export interface DbInitEvent {
  readonly action?: 'migrate' | 'check';
  /**
   * Throw instead of answering `{success:false}`. Terraform's aws_lambda_invocation fails the
   * apply only on a function error, so the deploy-time migrate sets this.
   */
  readonly failOnError?: boolean;
}

/** What the router hands to chat (async invoke); requestId is always set so retries are idempotent. */
export interface ChatEvent {
  readonly connectionId: string;
  readonly userId: string;
  readonly orgId: string;
  readonly requestId: string;
  readonly conversationId: string;
  readonly content: string;
}
