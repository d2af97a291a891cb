import type { S3Client } from '@aws-sdk/client-s3';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys, recordArtifactsEvent, type BuildItem, type BuildReview, type ReviewedTool } from '../shared/contract';
import { objectSha256 } from '../shared/object-hash';
import { badRequest, conflict, notFound } from '../shared/responses';
import { conditionFailedAt } from '../shared/transactions';
import type * as z from 'zod';
import type { BuildsTable } from './apply-update';

export type RecordArtifactsRequest = z.output<typeof recordArtifactsEvent>;

export interface ArtifactStore {
  readonly s3: S3Client;
  readonly bucket: string;
}

/** Said in a review when the OI phase wrote no summary. */
export const NO_SUMMARY = 'The build did not describe its tools.';

/**
 * Record what the OI phase built, each bundle named by the SHA-256 of its bytes as S3 holds them
 * (never by its key, which the agent chose). Only a running build with no decision yet takes a
 * record; recording again (a retried call) hashes again and keeps the newest, which is then the
 * only thing a review shows and an approval covers.
 */
export async function recordArtifacts(
  builds: BuildsTable,
  store: ArtifactStore,
  request: RecordArtifactsRequest,
  now: string,
): Promise<{ tools: ReviewedTool[] }> {
  const names = request.artifacts.tools.map((tool) => tool.toolName);
  if (new Set(names).size !== names.length) throw badRequest('artifacts.tools names a tool twice');
  for (const tool of request.artifacts.tools) {
    // A bundle lives under its own tool's folder: a tool cannot borrow another's bytes.
    if (!tool.s3Key.startsWith(`tools/${tool.toolName}/`)) throw badRequest(`${tool.toolName}'s bundle must be under tools/${tool.toolName}/`);
  }
  const tools: ReviewedTool[] = [];
  for (const tool of request.artifacts.tools) tools.push({ ...tool, sha256: await objectSha256(store.s3, store.bucket, tool.s3Key) });
  const review: BuildReview = { tools, summary: request.artifacts.summary ?? NO_SUMMARY, recordedAt: now };

  const Key = { PK: keys.build(request.buildId), SK: keys.meta };
  try {
    await builds.dynamo.send(
      new UpdateCommand({
        TableName: builds.tableName,
        Key,
        UpdateExpression: 'SET #review = :review, updatedAt = :now',
        ConditionExpression: '#status = :running AND #phase = :oi AND attribute_not_exists(#decision)',
        ExpressionAttributeNames: { '#review': 'review', '#status': 'status', '#phase': 'phase', '#decision': 'decision' },
        ExpressionAttributeValues: { ':review': review, ':now': now, ':running': 'running', ':oi': 'oi' },
      }),
    );
  } catch (error) {
    if (!conditionFailedAt(error, 0)) throw error;
    const { Item } = await builds.dynamo.send(new GetCommand({ TableName: builds.tableName, Key, ConsistentRead: true }));
    if (!Item) throw notFound(`Build ${request.buildId} not found`);
    const build = Item as BuildItem;
    throw conflict(`Build ${request.buildId} is ${build.status}${build.decision ? ' and decided' : ''}; its artifacts can no longer be recorded`);
  }
  return { tools };
}
