import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CallerIdentity } from './credentials';
import { awsErrorText, fail, httpStatus, pass, skip, type CheckResult } from './result';

export async function checkStateBucket(
  s3: S3Client,
  bucket: string | undefined,
  identity: CallerIdentity | undefined,
  region: string,
): Promise<CheckResult> {
  const name = `state bucket (${region})`;
  const suggestion = `${identity?.account ?? '<account-id>'}-fable-terraform-state`;
  if (!bucket) {
    return fail(name, 'FABLE_STATE_BUCKET is not set: a synth without it is for review only and cannot be deployed', [
      `export FABLE_STATE_BUCKET=<bucket> (names are global: pick your own, e.g. ${suggestion})`,
      'use the same value for fable-bootstrap and for every stage, in every shell that runs cdktf',
    ]);
  }
  if (!identity) return skip(name, `${bucket} not checked: needs AWS credentials`);
  const { account } = identity;
  try {
    // ExpectedBucketOwner makes S3 refuse (403) a bucket of any other account.
    const { BucketRegion } = await s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: account }));
    if (BucketRegion && BucketRegion !== region) {
      return fail(name, `${bucket} belongs to this account but is in ${BucketRegion}, and the stages' backend uses ${region}`, [
        `deploy with FABLE_REGION=${BucketRegion}, or choose another FABLE_STATE_BUCKET for ${region}`,
      ]);
    }
    return pass(name, `${bucket} exists in ${region} and belongs to this account (${account})`);
  } catch (error) {
    const status = httpStatus(error);
    if (status === 404) {
      return pass(name, `${bucket} does not exist yet: deploying fable-bootstrap creates it in ${region}`);
    }
    if (status === 403) {
      return fail(
        name,
        `${bucket} exists but does not belong to account ${account} (HeadBucket with ExpectedBucketOwner=${account}: 403)`,
        [
          `bucket names are global and this one is someone else's: choose another FABLE_STATE_BUCKET, e.g. ${suggestion}`,
          'if the bucket is yours, these credentials lack s3:ListBucket on it: run the doctor as the deploying identity',
        ],
      );
    }
    return fail(name, `HeadBucket ${bucket} failed: ${awsErrorText(error)}`, [
      'run the doctor with the credentials you deploy with (they need s3:ListBucket on the state bucket)',
    ]);
  }
}
