import { CreateLogGroupCommand, PutRetentionPolicyCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { errorName } from '../shared/aws-errors';

/** Where Lambda writes a function's logs. */
export const logGroupName = (functionName: string) => `/aws/lambda/${functionName}`;

/**
 * The tool's log group, created with the tool's tags before the function can first log (so Lambda
 * never creates it itself, without retention), and its retention set. Safe to repeat on every
 * deploy: a group that exists (an earlier deploy, or Lambda before tools had groups) keeps its tags
 * and gets the retention.
 */
export async function ensureToolLogGroup(
  logs: CloudWatchLogsClient,
  functionName: string,
  tags: Record<string, string>,
  retentionDays: number,
): Promise<void> {
  const name = logGroupName(functionName);
  try {
    await logs.send(new CreateLogGroupCommand({ logGroupName: name, tags }));
  } catch (error) {
    if (errorName(error) !== 'ResourceAlreadyExistsException') throw error;
  }
  await logs.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: retentionDays }));
}
