import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { auditRef, DATA_ACTIONS, dataCounts, type DataAction, type DataCounts } from '../shared/contract';
import { writeAuditEvent } from '../shared/audit-writer';
import { errorName } from '../shared/aws-errors';
import type { DataSubject, UserDataDeps } from './deps';

/**
 * What a data request did, kept with its result at `exports/<userId>/<requestId>.json`: the
 * export document itself, or an erasure's receipt (counts only, nothing personal). Its metadata
 * (read with HeadObject, without the body) makes the request idempotent: a repeated request is
 * answered from it, and an erasure cut short is finished by the retry that finds it in progress.
 * Records expire with the exports (EXPORT_RETENTION_DAYS), and so does the memory of a requestId.
 */
export interface RequestRecord {
  readonly action: DataAction;
  readonly status: 'in_progress' | 'completed';
  /** When the request was first taken on: the time of its audit event. */
  readonly at: string;
  readonly counts: DataCounts;
}

/** S3 user metadata (`x-amz-meta-*`): lower-case names, ASCII values. */
const metadata = z.object({
  action: z.enum(DATA_ACTIONS),
  status: z.enum(['in_progress', 'completed']),
  at: z.iso.datetime(),
  counts: z
    .string()
    .transform((text) => JSON.parse(text) as unknown)
    .pipe(dataCounts),
});

const toMetadata = (record: RequestRecord): Record<string, string> => ({
  action: record.action,
  status: record.status,
  at: record.at,
  counts: JSON.stringify(record.counts),
});

/**
 * The record at `key`, if the request was made before. Existence is asked with a listing: a
 * HeadObject of a missing key answers 404 only to a caller that may list the whole bucket.
 */
export async function readRequestRecord(deps: UserDataDeps, key: string): Promise<RequestRecord | undefined> {
  const Bucket = deps.settings.artifactsBucket;
  const listed = await deps.s3.send(new ListObjectsV2Command({ Bucket, Prefix: key, MaxKeys: 1 }));
  if (listed.Contents?.[0]?.Key !== key) return undefined;
  const head = await deps.s3.send(new HeadObjectCommand({ Bucket, Key: key }));
  const parsed = metadata.safeParse(head.Metadata);
  if (!parsed.success) throw new Error(`${key} is not a data request record`);
  return parsed.data;
}

export interface RecordWrite {
  readonly key: string;
  readonly record: RequestRecord;
  /** The object's content: the export document, or the erasure's receipt. */
  readonly body: string;
}

/**
 * Write a request's first record, unless one exists: the first writer wins, and a concurrent
 * run of the same request continues with the winner's record.
 */
export async function createRequestRecord(deps: UserDataDeps, write: RecordWrite): Promise<RequestRecord> {
  try {
    await putRecord(deps, write, true);
    return write.record;
  } catch (error) {
    if (errorName(error) !== 'PreconditionFailed') throw error;
  }
  const existing = await readRequestRecord(deps, write.key);
  if (!existing) throw new Error(`${write.key} was written by a concurrent request but cannot be read`);
  return existing;
}

/** Replace a request's record (an erasure moving from in progress to completed). */
export async function replaceRequestRecord(deps: UserDataDeps, write: RecordWrite): Promise<void> {
  await putRecord(deps, write, false);
}

async function putRecord(deps: UserDataDeps, write: RecordWrite, onlyIfAbsent: boolean): Promise<void> {
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.settings.artifactsBucket,
      Key: write.key,
      Body: write.body,
      ContentType: 'application/json',
      Metadata: toMetadata(write.record),
      ...(onlyIfAbsent ? { IfNoneMatch: '*' } : {}),
    }),
  );
}

/**
 * Record the request's audit event (`data_exported` or `data_erased`): ids and counts only, at the
 * time it was first taken on and named by the request, so every run of it writes the same event once.
 */
export async function recordDataRequest(deps: UserDataDeps, request: DataSubject & { readonly requestId: string }, record: RequestRecord): Promise<void> {
  const type = record.action === 'export' ? 'data_exported' : 'data_erased';
  await writeAuditEvent(
    deps.audit,
    {
      type,
      orgId: request.orgId,
      userId: request.userId,
      actor: auditRef('user', request.userId),
      target: auditRef('user', request.userId),
      outcome: 'success',
      detail: { requestId: request.requestId, counts: record.counts },
    },
    { at: record.at, idempotencyKey: `${type}\u0000${request.userId}\u0000${request.requestId}` },
  );
}
