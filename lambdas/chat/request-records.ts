import { IdempotencyConfig, IdempotencyRecordStatus, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { keys, type ChatEvent } from '../shared/contract';
import type { ConversationsTable } from './turns';

/*
 * Exactly-once handling of a chat request, with Powertools Idempotency (Lambda may deliver the async
 * event twice, and retries a delivery that threw):
 * - The first delivery claims a record `REQ#<hash of the requestId>` in its conversation's partition
 *   of the conversations table (keyAttr PK with the partition as its static value, sortKeyAttr SK).
 *   The record lives next to the turns it guards, expires through the table's own `ttl` attribute,
 *   and can join the transaction that stores the turn (turns.ts): storing the turn and completing
 *   the record are one write, so no delivery can find a stored turn under an unfinished record.
 * - A delivery that finds the record completed does nothing. One that finds it in progress throws
 *   IdempotencyAlreadyInProgressError, so Lambda retries it later; by then the request is complete,
 *   or its holder has timed out: the in-progress record expires at that delivery's deadline (Lambda
 *   ends it there), and the retry takes the request over.
 * - A delivery that throws (a transient fault before anything was sent) gives the record back:
 *   Powertools deletes it, and Lambda's retry claims it afresh. So the work never throws once its
 *   turn is stored: the record deleted then would let a retry store the turn a second time.
 * Not taken from Powertools: the completion of a stored turn, which its saveSuccess cannot put in
 * a transaction. Powertools' own saveSuccess still runs after it and writes the same state again.
 */

/** How long a finished request turns later deliveries away: well past Lambda's async retries (an event lives 6 h at most). */
const REQUEST_RECORD_TTL_SECONDS = 24 * 60 * 60;

/** Attribute names of a request record, shared by Powertools and the turn's transaction. */
const RECORD_ATTRIBUTES = {
  statusAttr: 'status',
  expiryAttr: 'ttl',
  inProgressExpiryAttr: 'inProgressUntil',
  dataAttr: 'outcome',
} as const;
const RECORD_KEY_PREFIX = 'REQ';

export interface RequestRecordKey {
  readonly PK: string;
  readonly SK: string;
}

/** The request records of one conversation (its partition), addressable by the turn's transaction. */
class ConversationRequestRecords extends DynamoDBPersistenceLayer {
  readonly #partition: string;

  constructor(table: ConversationsTable, conversationId: string, config: IdempotencyConfig) {
    super({
      tableName: table.tableName,
      keyAttr: 'PK',
      sortKeyAttr: 'SK',
      staticPkValue: keys.conversation(conversationId),
      // The document client sends plain commands through its own client unchanged.
      awsSdkV3Client: table.dynamo as unknown as DynamoDBClient,
      ...RECORD_ATTRIBUTES,
    });
    this.#partition = keys.conversation(conversationId);
    this.configure({ config, keyPrefix: RECORD_KEY_PREFIX });
  }

  keyOf(event: ChatEvent): RequestRecordKey {
    return { PK: this.#partition, SK: this.getHashedIdempotencyKey(event) };
  }
}

/**
 * Run `work` once per chat request; `work` gets the key of the request's record, which it must
 * complete (completeRequest) in the write that stores the turn. A repeated delivery of a finished
 * request resolves to `duplicate` without running it. `deadline` is the epoch ms at which this
 * delivery's function times out.
 */
export function oncePerRequest<Outcome extends string>(
  table: ConversationsTable,
  event: ChatEvent,
  deadline: number,
  work: (record: RequestRecordKey) => Promise<Outcome>,
): Promise<Outcome | 'duplicate'> {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'requestId',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: REQUEST_RECORD_TTL_SECONDS,
    responseHook: () => 'duplicate',
  });
  // Without records every turn would look superseded and none would be stored: refuse loudly instead.
  if (!config.isEnabled()) throw new Error('chat cannot run with POWERTOOLS_IDEMPOTENCY_DISABLED set');
  // Powertools reads only the time left, which sets when the in-progress record expires.
  config.registerLambdaContext({ getRemainingTimeInMillis: () => Math.max(1, deadline - Date.now()) } as Context);
  const records = new ConversationRequestRecords(table, event.conversationId, config);
  const once = makeIdempotent((request: ChatEvent) => work(records.keyOf(request)), {
    persistenceStore: records,
    config,
    keyPrefix: RECORD_KEY_PREFIX,
  });
  return once(event);
}

/**
 * The transaction item that completes a request record, as Powertools' saveSuccess would, on the
 * condition that it is still in progress: a turn is stored only by a delivery whose request no
 * other delivery has finished meanwhile.
 */
export function completeRequest(
  tableName: string,
  record: RequestRecordKey,
  outcome: string,
): NonNullable<TransactWriteCommandInput['TransactItems']>[number] {
  return {
    Update: {
      TableName: tableName,
      Key: record,
      UpdateExpression: 'SET #status = :completed, #outcome = :outcome, #expiry = :expiry',
      ConditionExpression: '#status = :inProgress',
      ExpressionAttributeNames: {
        '#status': RECORD_ATTRIBUTES.statusAttr,
        '#outcome': RECORD_ATTRIBUTES.dataAttr,
        '#expiry': RECORD_ATTRIBUTES.expiryAttr,
      },
      ExpressionAttributeValues: {
        ':completed': IdempotencyRecordStatus.COMPLETED,
        ':inProgress': IdempotencyRecordStatus.INPROGRESS,
        ':outcome': outcome,
        ':expiry': Math.round(Date.now() / 1000) + REQUEST_RECORD_TTL_SECONDS,
      },
    },
  };
}
