import { createHash } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorName } from './aws-errors';
import { badRequest } from './responses';

/**
 * The SHA-256 (lowercase hex) of an object's bytes as S3 holds them now, streamed. What a bundle
 * is called (its key, or what the agent said) is never trusted: only its bytes are. A missing
 * object is BAD_REQUEST (the caller named a bundle that is not there); other S3 errors propagate.
 */
export async function objectSha256(s3: S3Client, bucket: string, key: string): Promise<string> {
  let body: AsyncIterable<Uint8Array>;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!object.Body) throw new Error(`S3 returned no body for ${key}`);
    body = object.Body as AsyncIterable<Uint8Array>;
  } catch (error) {
    if (errorName(error) === 'NoSuchKey') throw badRequest(`Bundle ${key} does not exist`);
    throw error;
  }
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk);
  return hash.digest('hex');
}
