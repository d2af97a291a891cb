import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { CONNECTIONS_TABLE, type BuildItem } from '../shared/contract';
import { isTransientAwsError } from '../shared/aws-errors';
import { describeError } from '../shared/responses';
import { withRetry } from '../shared/retry';
import { frame, sendToConnection, type ConnectionSender } from '../shared/websocket';

export interface Notified {
  readonly sent: number;
  readonly gone: number;
  readonly failed: number;
}

/** `userId-index` of the connections table (DESIGN.md section 5). */
const USER_INDEX = CONNECTIONS_TABLE.globalIndexes[0].name;

const RETRY = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000, isRetryable: isTransientAwsError } as const;

/**
 * Tell every open connection of the build's user about its status. Best effort by design: the
 * status is already stored, and failing here would only make Step Functions retry an update
 * that is now a CONFLICT, so a connection that cannot be reached is logged and skipped.
 */
export async function notifyBuildStatus(
  sender: ConnectionSender,
  build: BuildItem,
  sleep?: (ms: number) => Promise<void>,
): Promise<Notified> {
  const message = frame('build_status', {
    buildId: build.buildId,
    status: build.status,
    ...(build.phase !== undefined ? { phase: build.phase } : {}),
  });
  const counts = { sent: 0, gone: 0, failed: 0 };
  let connectionIds: string[];
  try {
    connectionIds = await userConnections(sender, build.userId, sleep);
  } catch (error) {
    log('could not list connections', build.buildId, error);
    return counts;
  }
  for (const connectionId of connectionIds) {
    try {
      const outcome = await withRetry(() => sendToConnection(sender, connectionId, message), { ...RETRY, sleep });
      counts[outcome]++;
    } catch (error) {
      counts.failed++;
      log('could not notify connection', build.buildId, error);
    }
  }
  return counts;
}

async function userConnections(
  sender: ConnectionSender,
  userId: string,
  sleep?: (ms: number) => Promise<void>,
): Promise<string[]> {
  const ids: string[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await withRetry(
      () =>
        sender.dynamo.send(
          new QueryCommand({
            TableName: sender.connectionsTable,
            IndexName: USER_INDEX,
            KeyConditionExpression: 'userId = :userId',
            ExpressionAttributeValues: { ':userId': userId },
            ProjectionExpression: 'connectionId',
            ExclusiveStartKey,
          }),
        ),
      { ...RETRY, sleep },
    );
    for (const item of page.Items ?? []) ids.push(item.connectionId as string);
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return ids;
}

function log(message: string, buildId: string, error: unknown): void {
  console.warn(JSON.stringify({ level: 'WARN', message, buildId, error: describeError(error) }));
}
