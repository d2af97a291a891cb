import { DeleteObjectsCommand, GetObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import * as z from 'zod';
import { artifactKeys, EXPORT_URL_TTL_SECONDS } from '../shared/contract';
import { errorName } from '../shared/aws-errors';
import type { UserDataDeps } from './deps';

/** Every key under a prefix of the artifacts bucket. */
export async function keysUnder(deps: UserDataDeps, prefix: string): Promise<string[]> {
  const found: string[] = [];
  const pages = paginateListObjectsV2({ client: deps.s3 }, { Bucket: deps.settings.artifactsBucket, Prefix: prefix });
  for await (const page of pages) for (const object of page.Contents ?? []) if (object.Key !== undefined) found.push(object.Key);
  return found;
}

/** S3 takes at most this many keys per DeleteObjects. */
const DELETE_BATCH = 1000;

/**
 * Delete objects (the bucket is versioned: each gets a delete marker, and the lifecycle expires
 * the old version). A key S3 could not delete fails the call, so a retry deletes it.
 */
export async function deleteObjects(deps: UserDataDeps, keys: readonly string[]): Promise<void> {
  for (let start = 0; start < keys.length; start += DELETE_BATCH) {
    const batch = keys.slice(start, start + DELETE_BATCH);
    const result = await deps.s3.send(
      new DeleteObjectsCommand({
        Bucket: deps.settings.artifactsBucket,
        Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    const failed = result.Errors ?? [];
    if (failed.length > 0) throw new Error(`S3 did not delete ${failed.length} object(s), first ${failed[0].Key}: ${failed[0].Code}`);
  }
}

const buildSpec = z.object({ request: z.string() });

/** A build's whole request, from its spec in S3; undefined when the spec is gone. */
export async function buildRequest(deps: UserDataDeps, buildId: string): Promise<string | undefined> {
  try {
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.settings.artifactsBucket, Key: artifactKeys.buildSpec(buildId) }));
    const spec = buildSpec.safeParse(JSON.parse(await object.Body!.transformToString()));
    return spec.success ? spec.data.request : undefined;
  } catch (error) {
    if (errorName(error) === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** A GET of the object signed with this function's credentials, valid EXPORT_URL_TTL_SECONDS. */
export function presignedGet(deps: UserDataDeps, key: string): Promise<string> {
  return getSignedUrl(deps.s3, new GetObjectCommand({ Bucket: deps.settings.artifactsBucket, Key: key }), {
    expiresIn: EXPORT_URL_TTL_SECONDS,
  });
}
