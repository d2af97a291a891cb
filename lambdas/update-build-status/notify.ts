import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { CONNECTIONS_TABLE, type BuildItem, type ServerFrame } from '../shared/contract';
import { describeError } from '../shared/responses';
import { frame, sendToConnection, type ConnectionSender } from '../shared/websocket';
import { log } from '../shared/telemetry';

export interface Notified {
  readonly sent: number;
  readonly gone: number;
  readonly failed: number;
}

/** `userId-index` of the connections table (DESIGN.md section 5). */
const USER_INDEX = CONNECTIONS_TABLE.globalIndexes[0].name;

/**
 * Tell every open connection of the build's user about its status. Best effort by design: the
 * status is already stored, and failing here would only make Step Functions retry an update
 * that is now a CONFLICT, so a connection that cannot be reached is logged and skipped.
 */
export async function notifyBuildStatus(sender: ConnectionSender, build: BuildItem): Promise<Notified> {
  const message = frame('build_status', {
    buildId: build.buildId,
    status: build.status,
    ...(build.phase !== undefined ? { phase: build.phase } : {}),
  });
  return notifyOwner(sender, build, message);
}

/**
 * Ask the build's owner for a decision: `build_review` lists each tool by the SHA-256 of its bundle
 * as recorded, which is exactly what an approval lets DeployTools deploy.
 */
export async function notifyBuildReview(sender: ConnectionSender, build: BuildItem): Promise<Notified> {
  const review = build.review;
  if (!review) throw new Error(`Build ${build.buildId} has no recorded artifacts to review`);
  const message = frame('build_review', {
    buildId: build.buildId,
    tools: review.tools.map((tool) => ({
      toolName: tool.toolName,
      sha256: tool.sha256,
      description: tool.schema.description,
      inputSchema: tool.schema.inputSchema ?? { type: 'object' },
    })),
    summary: review.summary,
  });
  return notifyOwner(sender, build, message);
}

/** Send one frame to every open connection of the build's user, best effort. */
async function notifyOwner(sender: ConnectionSender, build: BuildItem, message: ServerFrame): Promise<Notified> {
  const counts = { sent: 0, gone: 0, failed: 0 };
  let connectionIds: string[];
  try {
    connectionIds = await userConnections(sender, build.userId);
  } catch (error) {
    logFailure('could not list connections', build.buildId, error);
    return counts;
  }
  for (const connectionId of connectionIds) {
    try {
      const outcome = await sendToConnection(sender, connectionId, message);
      counts[outcome]++;
    } catch (error) {
      counts.failed++;
      logFailure('could not notify connection', build.buildId, error);
    }
  }
  return counts;
}

async function userConnections(sender: ConnectionSender, userId: string): Promise<string[]> {
  const ids: string[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await sender.dynamo.send(
      new QueryCommand({
        TableName: sender.connectionsTable,
        IndexName: USER_INDEX,
        KeyConditionExpression: 'userId = :userId',
        ExpressionAttributeValues: { ':userId': userId },
        ProjectionExpression: 'connectionId',
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) ids.push(item.connectionId as string);
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return ids;
}

function logFailure(message: string, buildId: string, error: unknown): void {
  log.warn(message, { buildId, error: describeError(error) });
}
