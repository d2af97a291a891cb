import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../lambdas/shared/contract';

/** A ULID: 26 Crockford base-32 characters. */
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Every event in an audit table, in key order (org, then time). */
export async function auditEvents(dynamo: DynamoDBDocumentClient, tableName: string): Promise<AuditRecord[]> {
  const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  return (Items as AuditRecord[]).sort((a, b) => `${a.PK}|${a.SK}`.localeCompare(`${b.PK}|${b.SK}`));
}

type Expected = Omit<AuditRecord, 'PK' | 'SK' | 'GSI1PK' | 'GSI1SK' | 'eventId' | 'at'> & { at?: string };

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * An event as stored, for `toEqual`: its keys follow from its org, user and time (any time when
 * `at` is not given), and its id is a ULID.
 */
export function storedEvent(event: Expected): AuditRecord {
  const time = event.at === undefined ? '[0-9T:.Z-]{24}' : escape(event.at);
  const matching = (pattern: string) => expect.stringMatching(new RegExp(`^${pattern}$`)) as unknown as string;
  return {
    PK: `ORG#${event.orgId}`,
    SK: matching(`EVENT#${time}#[0-9A-HJKMNP-TV-Z]{26}`),
    ...(event.userId !== undefined ? { GSI1PK: `USER#${event.userId}`, GSI1SK: matching(`EVENT#${time}`) } : {}),
    eventId: expect.stringMatching(ULID_PATTERN) as unknown as string,
    at: event.at ?? matching(time),
    ...event,
  } as AuditRecord;
}
