import type { S3Client } from '@aws-sdk/client-s3';
import type { DeployRequest } from '../shared/contract';
import { objectSha256 } from '../shared/object-hash';
import { conflict } from '../shared/responses';
import { log } from '../shared/telemetry';

/**
 * Deploy nothing but the bytes that were approved: hash the bundle as S3 holds it now and refuse
 * (CONFLICT, before any Lambda call) unless it is the SHA-256 the request names, which for a
 * build is the one its owner approved. A bundle changed after its review is never deployed.
 */
export async function verifyArtifact(s3: S3Client, bucket: string, request: Pick<DeployRequest, 'toolName' | 's3Key' | 'sha256'>): Promise<void> {
  const actual = await objectSha256(s3, bucket, request.s3Key);
  if (actual !== request.sha256) {
    log.warn('bundle hash mismatch', { toolName: request.toolName, s3Key: request.s3Key, expected: request.sha256, actual });
    throw conflict(`The bundle of ${request.toolName} is not the approved one (its SHA-256 is ${actual}, not ${request.sha256}); nothing was deployed`);
  }
}
