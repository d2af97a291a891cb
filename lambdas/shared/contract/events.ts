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

export const MEMORY_ACTIONS = ['create', 'search', 'get', 'update', 'delete', 'list'] as const;
export type MemoryAction = (typeof MEMORY_ACTIONS)[number];
export interface MemoryEvent {
  readonly action: MemoryAction;
  readonly payload: Record<string, unknown> & { readonly userId: string; readonly orgId: string };
}

export interface DbInitEvent {
  readonly action?: 'migrate' | 'check';
}
