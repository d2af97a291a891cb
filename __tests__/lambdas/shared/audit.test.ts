import { decodeTime } from 'ulid';
import { auditEvent, type AuditEvent } from '../../../lambdas/shared/contract';
import { auditItem } from '../../../lambdas/shared/audit';
import { writeAuditEvent } from '../../../lambdas/shared/audit-writer';
import { checkInput } from '../../../lambdas/shared/validation';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { auditEvents, ULID_PATTERN } from '../../helpers/audit-trail';

const AT = '2026-06-01T12:00:00.000Z';
const deleted: AuditEvent = {
  type: 'memory_deleted',
  orgId: 'acme',
  userId: 'alice',
  actor: 'user:alice',
  target: 'memory:5f0c8f0e-9d7b-4a53-8b1a-0b7f8a1e2c3d',
  outcome: 'success',
};

describe('an audit item', () => {
  it('is kept under its org, sorted by time then ULID, and found by user through GSI1', () => {
    const item = auditItem(deleted, { at: AT });
    expect(item).toEqual({
      PK: 'ORG#acme',
      SK: `EVENT#${AT}#${item.eventId}`,
      GSI1PK: 'USER#alice',
      GSI1SK: `EVENT#${AT}`,
      eventId: expect.stringMatching(ULID_PATTERN),
      at: AT,
      ...deleted,
    });
    expect(decodeTime(item.eventId)).toBe(Date.parse(AT));
  });

  it('about nobody in particular stays out of the user index', () => {
    const { userId: _userId, ...anonymous } = deleted;
    const item = auditItem({ ...anonymous, type: 'forbidden', actor: 'org:globex', target: 'tool:weather', outcome: 'denied' }, { at: AT });
    expect(item).not.toHaveProperty('GSI1PK');
    expect(item).not.toHaveProperty('GSI1SK');
  });

  it('named by an idempotency key has the same key every time, and another key another one', () => {
    const first = auditItem(deleted, { at: AT, idempotencyKey: 'data_erased alice r-1' });
    expect(auditItem(deleted, { at: AT, idempotencyKey: 'data_erased alice r-1' }).SK).toBe(first.SK);
    expect(auditItem(deleted, { at: AT, idempotencyKey: 'data_erased alice r-2' }).SK).not.toBe(first.SK);
    expect(auditItem(deleted, { at: AT }).SK).not.toBe(auditItem(deleted, { at: AT }).SK);
  });
});

describe('the event schema holds ids, codes and counts, never content, tokens or secrets', () => {
  const JWT = 'eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.' + 'eyJzdWIiOiJhbGljZSJ9'.repeat(8) + '.c2lnbmF0dXJl';
  it.each<[string, Record<string, unknown>, string]>([
    ['message content in a detail field of its own', { detail: { content: 'My bank PIN is 1234' } }, 'detail has unknown fields: content'],
    ['a sentence as a reason', { detail: { reason: 'Alice asked to forget her address' } }, 'detail.reason must be a lowercase code (letters, "_" and ".")'],
    ['a secret key as an action', { detail: { action: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } }, 'detail.action must be a lowercase code (letters, "_" and ".")'],
    ['a token as the target', { target: `user:${JWT}` }, 'target must be <kind>:<id> with kind one of user, org, service, connection, conversation, build, tool, memory'],
    ['a bearer token as the actor', { actor: `Bearer ${JWT}` }, 'actor must be <kind>:<id> with kind one of user, org, service, connection, conversation, build, tool, memory'],
    ['free text as a build id', { target: 'build:the request text' }, 'target must be <kind>:<id> with kind one of user, org, service, connection, conversation, build, tool, memory'],
    ['a count of something unknown', { detail: { counts: { passwords: 1 } } }, 'detail.counts has unknown fields: passwords'],
    ['a negative count', { detail: { counts: { memories: -1 } } }, 'detail.counts.memories must be at least 0'],
    ['a type outside DESIGN.md section 9', { type: 'memory_read' }, 'type must be one of connect, connect_refused, build_started, build_approved, build_rejected, build_cancelled, build_completed, build_failed, tool_deployed, tool_undeployed, tool_rolled_back, memory_deleted, data_exported, data_erased, quota_refused, forbidden'],
    ['a field beyond the contract', { content: 'hello' }, 'event has unknown fields: content'],
  ])('refuses %s', (_, change, message) => {
    const checked = checkInput(auditEvent, { ...deleted, ...change });
    expect(checked.success).toBe(false);
    expect(checked.success ? undefined : checked.message).toBe(message);
    expect(() => auditItem({ ...deleted, ...change } as AuditEvent, { at: AT })).toThrow();
  });

  it('accepts every event the handlers write', () => {
    for (const event of [
      deleted,
      { ...deleted, type: 'forbidden', outcome: 'denied', detail: { action: 'memory.delete' } },
      { ...deleted, type: 'build_failed', actor: 'service:build-pipeline', target: 'build:5f0c8f0e-9d7b-4a53-8b1a-0b7f8a1e2c3d', outcome: 'failure', detail: { phase: 'oi', reason: 'pipeline_not_started' } },
      { ...deleted, type: 'tool_deployed', target: 'tool:weather', detail: { version: 3 } },
      { ...deleted, type: 'data_erased', target: 'user:alice', detail: { requestId: 'r-1', counts: { memories: 2, exports: 0 } } },
    ]) {
      expect(checkInput(auditEvent, event)).toMatchObject({ success: true });
    }
  });
});

describe('writeAuditEvent', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startDynamoLocal();
  });
  afterAll(() => dynamo.stop());
  const trail = () => ({ dynamo: dynamo.doc, tableName: dynamo.tableName('audit') });

  it('appends, and never overwrites: the same event again finds itself written and leaves it as it was', async () => {
    const event: AuditEvent = { ...deleted, type: 'data_erased', target: 'user:alice', detail: { requestId: 'r-9', counts: { memories: 2 } } };
    const timing = { at: AT, idempotencyKey: 'data_erased alice r-9' };
    expect(await writeAuditEvent(trail(), event, timing)).toBe('written');
    expect(await writeAuditEvent(trail(), { ...event, detail: { requestId: 'r-9', counts: { memories: 0 } } }, timing)).toBe('exists');
    const stored = (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((e) => e.type === 'data_erased');
    expect(stored.map((e) => e.detail)).toEqual([{ requestId: 'r-9', counts: { memories: 2 } }]);
  });

  it('writes nothing for an event the schema refuses', async () => {
    const before = (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).length;
    await expect(writeAuditEvent(trail(), { ...deleted, detail: { reason: 'The user typed: hello' } })).rejects.toThrow();
    expect(await auditEvents(dynamo.doc, dynamo.tableName('audit'))).toHaveLength(before);
  });
});
