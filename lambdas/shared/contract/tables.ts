import type { BuildPhase, BuildStatus, ReviewDecision } from './protocol';
import type { ReviewedTool } from './events';

/**
 * DynamoDB key layout of DESIGN.md section 5: the one definition used by the stack (to create
 * the tables) and by the tests (to create the same tables on DynamoDB Local).
 */
export interface GlobalIndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
}

export type TableComponent = 'connections' | 'conversations' | 'builds' | 'tools' | 'audit' | 'quotas';

export interface TableDefinition {
  /** Component name: the table is `fable-<stage>-<component>`. */
  readonly component: TableComponent;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly globalIndexes: readonly GlobalIndexDefinition[];
  readonly ttlAttribute?: string;
  readonly pointInTimeRecovery: boolean;
}

export const CONNECTIONS_TABLE: TableDefinition = {
  component: 'connections',
  partitionKey: 'connectionId',
  globalIndexes: [{ name: 'userId-index', partitionKey: 'userId' }],
  ttlAttribute: 'ttl',
  // Connections are ephemeral (2 h TTL): restoring them would resurrect dead sockets.
  pointInTimeRecovery: false,
};

export const CONVERSATIONS_TABLE: TableDefinition = {
  component: 'conversations',
  partitionKey: 'PK',
  sortKey: 'SK',
  globalIndexes: [{ name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' }],
  ttlAttribute: 'ttl',
  pointInTimeRecovery: true,
};

export const BUILDS_TABLE: TableDefinition = {
  component: 'builds',
  partitionKey: 'PK',
  sortKey: 'SK',
  globalIndexes: [{ name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' }],
  pointInTimeRecovery: true,
};

export const TOOLS_TABLE: TableDefinition = {
  component: 'tools',
  partitionKey: 'PK',
  sortKey: 'SK',
  globalIndexes: [{ name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' }],
  pointInTimeRecovery: true,
};

/**
 * The audit trail (DESIGN.md section 9): append-only. Events are kept for good (no TTL), so a
 * restore from point-in-time recovery is the only way back to an earlier state of it.
 */
export const AUDIT_TABLE: TableDefinition = {
  component: 'audit',
  partitionKey: 'PK',
  sortKey: 'SK',
  globalIndexes: [{ name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' }],
  pointInTimeRecovery: true,
};

/**
 * Spend caps (DESIGN.md section 10): per user and per org, a message rate bucket, day counters of
 * model tokens and builds, the org's running builds and an operator's `LIMITS` override. Day
 * counters and usage markers expire through `ttl`; the rest are kept (PITR restores a lost override).
 */
export const QUOTAS_TABLE: TableDefinition = {
  component: 'quotas',
  partitionKey: 'PK',
  sortKey: 'SK',
  globalIndexes: [],
  ttlAttribute: 'ttl',
  pointInTimeRecovery: true,
};

export const TABLES: readonly TableDefinition[] = [CONNECTIONS_TABLE, CONVERSATIONS_TABLE, BUILDS_TABLE, TOOLS_TABLE, AUDIT_TABLE, QUOTAS_TABLE];

/** Attribute names every key schema of a table uses (all strings, DESIGN.md section 5). */
export function keyAttributes(table: TableDefinition): string[] {
  const names = [table.partitionKey, table.sortKey];
  for (const index of table.globalIndexes) names.push(index.partitionKey, index.sortKey);
  return [...new Set(names.filter((n): n is string => n !== undefined))].sort();
}

/** Key builders, so no handler spells a key prefix by hand. */
export const keys = {
  conversation: (conversationId: string) => `CONV#${conversationId}`,
  message: (isoTime: string, seq: number) => `MSG#${isoTime}#${String(seq).padStart(4, '0')}`,
  build: (buildId: string) => `BUILD#${buildId}`,
  tool: (toolName: string) => `TOOL#${toolName}`,
  /** Zero-padded so the sort key orders versions numerically. */
  toolVersion: (version: number) => `VERSION#${String(version).padStart(10, '0')}`,
  toolVersionPrefix: 'VERSION#',
  user: (userId: string) => `USER#${userId}`,
  org: (orgId: string) => `ORG#${orgId}`,
  /** An audit event: its time, then its ULID (unique among events of the same millisecond). */
  event: (isoTime: string, eventId: string) => `EVENT#${isoTime}#${eventId}`,
  /** An audit event's GSI1 sort key: its time. */
  eventTime: (isoTime: string) => `EVENT#${isoTime}`,
  meta: 'META',
  /** The builds table's operator settings item (e.g. `paused`), beside the builds. */
  buildSettings: 'SETTINGS#builds',
} as const;

/**
 * The operator's run-time settings of builds (`PK = SETTINGS#builds`, `SK = META`): an attribute
 * present here overrides the stage's StageConfig value; absent, the stage's value holds.
 */
export interface BuildSettingsItem {
  readonly PK: string;
  readonly SK: string;
  readonly paused?: boolean;
  /** Shown to users whose build is refused while paused. */
  readonly message?: string;
}

/** The artifacts of a build as update-build-status recorded them after the OI phase. */
export interface BuildReview {
  readonly tools: readonly ReviewedTool[];
  readonly summary: string;
  readonly recordedAt: string;
}

/** A review decision: who made it (`user:<id>` or `service:<name>`), when and why. */
export interface BuildDecision {
  readonly decision: ReviewDecision;
  readonly by: string;
  readonly at: string;
  readonly reason?: string;
}

/**
 * A build item (`PK = BUILD#<buildId>`, `SK = META`): created `pending` by build-kickoff, moved
 * forward only by update-build-status. The full request lives in S3 (`builds/<id>/spec.json`).
 */
export interface BuildItem {
  readonly PK: string;
  readonly SK: string;
  readonly GSI1PK: string;
  readonly GSI1SK: string;
  readonly buildId: string;
  readonly status: BuildStatus;
  readonly phase?: BuildPhase;
  readonly userId: string;
  readonly orgId: string;
  /** The request, cut to a preview length; `requestTruncated` says whether it was cut. */
  readonly request: string;
  readonly requestTruncated: boolean;
  readonly conversationId?: string;
  readonly connectionId?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly completedAt?: string;
  readonly failedAt?: string;
  readonly rejectedAt?: string;
  readonly cancelledAt?: string;
  readonly result?: unknown;
  readonly error?: string;
  readonly review?: BuildReview;
  /**
   * The waiting AwaitApproval task's token, while a decision is awaited: only build-kickoff's
   * `review` sends it back (SendTaskSuccess/Failure), and it is removed once used.
   */
  readonly approvalToken?: string;
  readonly decision?: BuildDecision;
  /** The bundles the decision approved, by tool name: DeployTools deploys these hashes only. */
  readonly approvedTools?: Readonly<Record<string, string>>;
}

/** S3 keys of DESIGN.md section 5 (artifacts bucket). */
export const artifactKeys = {
  buildSpec: (buildId: string) => `builds/${buildId}/spec.json`,
  buildOutput: (buildId: string, phase: 'core' | 'oi') => `builds/${buildId}/${phase}-output.json`,
  /** Everything of one build: its spec, phase outputs, workspace and worker outputs. */
  buildFiles: (buildId: string) => `builds/${buildId}/`,
  /**
   * A user's data exports. The user id is URI-encoded, so an id holding `/` can never name
   * another user's folder (ids FABLE issues, Cognito subs, read the same either way).
   */
  userExports: (userId: string) => `exports/${encodeURIComponent(userId)}/`,
  dataExport: (userId: string, requestId: string) => `exports/${encodeURIComponent(userId)}/${requestId}.json`,
} as const;
