import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamoLocal, type LocalDynamo } from '../../../../scripts/local/dynamodb-local';
import { takeMessage } from '../../../../lambdas/shared/quotas/message-rate';
import type { QuotaTable } from '../../../../lambdas/shared/quotas/table';

let dynamo: LocalDynamo;
let table: QuotaTable;

beforeAll(async () => {
  dynamo = await startDynamoLocal();
  table = { dynamo: dynamo.doc, tableName: dynamo.tableName('quotas') };
});
afterAll(() => dynamo.stop());

const T0 = new Date('2026-04-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
/** 6 a minute: one message every 10 s, 3 at once. */
const LIMITS = { messagesPerMinute: 6, messageBurst: 3 };

const bucket = async (userId: string) =>
  (await dynamo.doc.send(new GetCommand({ TableName: table.tableName, Key: { PK: `USER#${userId}`, SK: 'RATE#messages' }, ConsistentRead: true }))).Item;

describe('the message bucket (per user, messagesPerMinute and messageBurst)', () => {
  it('admits a full burst at once, then refuses with the seconds until the next message fits', async () => {
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await takeMessage(table, 'burst', LIMITS, T0));
    expect(results).toEqual([{ admitted: true }, { admitted: true }, { admitted: true }, { admitted: false, retryAfterSeconds: 10 }]);
    // 4 s later the wait is 6 s.
    expect(await takeMessage(table, 'burst', LIMITS, at(4_000))).toEqual({ admitted: false, retryAfterSeconds: 6 });
  });

  it('refills one message per interval: exactly at the interval, not a millisecond before', async () => {
    for (let i = 0; i < 3; i++) await takeMessage(table, 'refill', LIMITS, T0);
    expect(await takeMessage(table, 'refill', LIMITS, at(9_999))).toEqual({ admitted: false, retryAfterSeconds: 1 });
    expect(await takeMessage(table, 'refill', LIMITS, at(10_000))).toEqual({ admitted: true });
    expect((await takeMessage(table, 'refill', LIMITS, at(10_000))).admitted).toBe(false);
    // After a quiet spell the bucket is full again, but never holds more than the burst.
    const later = [];
    for (let i = 0; i < 4; i++) later.push((await takeMessage(table, 'refill', LIMITS, at(600_000))).admitted);
    expect(later).toEqual([true, true, true, false]);
  });

  it('sustains exactly messagesPerMinute under steady sending: 12 in two minutes at 6 a minute', async () => {
    let admitted = 0;
    // One attempt a second for two minutes, after the burst is spent.
    for (let i = 0; i < 3; i++) await takeMessage(table, 'steady', LIMITS, T0);
    for (let s = 1; s <= 120; s++) if ((await takeMessage(table, 'steady', LIMITS, at(s * 1000))).admitted) admitted++;
    expect(admitted).toBe(12);
  });

  it('admits exactly the burst of N parallel messages, and a refusal changes nothing', async () => {
    const burst = { messagesPerMinute: 6, messageBurst: 5 };
    const results = await Promise.all(Array.from({ length: 25 }, () => takeMessage(table, 'parallel', burst, T0)));
    expect(results.filter((r) => r.admitted)).toHaveLength(5);
    expect(results.filter((r) => !r.admitted)).toHaveLength(20);
    const before = await bucket('parallel');
    expect(await takeMessage(table, 'parallel', burst, T0)).toEqual({ admitted: false, retryAfterSeconds: 10 });
    expect(await bucket('parallel')).toEqual(before);
  });

  it('keeps each user a bucket of their own, which expires once it would be full again', async () => {
    for (let i = 0; i < 3; i++) await takeMessage(table, 'one', LIMITS, T0);
    expect(await takeMessage(table, 'other', LIMITS, T0)).toEqual({ admitted: true });
    const item = await bucket('one');
    expect(item).toMatchObject({ tat: T0.getTime() + 30_000 });
    expect(item!.ttl).toBeGreaterThan((T0.getTime() + 30_000) / 1000);
  });
});
