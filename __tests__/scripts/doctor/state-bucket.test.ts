import { HeadBucketCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { exitCode, formatResult } from '../../../scripts/doctor/report';
import { checkStateBucket } from '../../../scripts/doctor/state-bucket';
import { ACCOUNT, IDENTITY } from '../../helpers/doctor-harness';

const s3 = mockClient(S3Client);
const BUCKET = 'acme-fable-terraform-state';

/** HeadBucket has no response body: S3 answers with a status only, which the SDK names. */
function s3Error(status: number, name: string): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

const check = (bucket: string | undefined, identity: typeof IDENTITY | undefined) =>
  checkStateBucket(new S3Client({ region: 'us-west-2' }), bucket, identity, 'us-west-2');

describe('state bucket check (FABLE_STATE_BUCKET, S3 HeadBucket)', () => {
  beforeEach(() => s3.reset());

  test('passes a bucket of this account in the stage region; asks S3 with ExpectedBucketOwner', async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: 'us-west-2' });
    const result = await check(BUCKET, IDENTITY);
    expect(formatResult(result)).toBe(
      `PASS  state bucket (us-west-2): ${BUCKET} exists in us-west-2 and belongs to this account (${ACCOUNT})\n`,
    );
    expect(s3.commandCalls(HeadBucketCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: BUCKET, ExpectedBucketOwner: ACCOUNT },
    ]);
    expect(exitCode([result])).toBe(0);
  });

  test('passes an absent bucket (404) with the note that fable-bootstrap creates it', async () => {
    s3.on(HeadBucketCommand).rejects(s3Error(404, 'NotFound'));
    const result = await check(BUCKET, IDENTITY);
    expect(result.status).toBe('PASS');
    expect(result.detail).toBe(`${BUCKET} does not exist yet: deploying fable-bootstrap creates it in us-west-2`);
    expect(exitCode([result])).toBe(0);
  });

  test('fails a bucket of another account (403 to ExpectedBucketOwner), suggesting a name of its own', async () => {
    s3.on(HeadBucketCommand).rejects(s3Error(403, 'Forbidden'));
    const result = await check('fable-terraform-state', IDENTITY);
    expect(formatResult(result)).toBe(
      [
        `FAIL  state bucket (us-west-2): fable-terraform-state exists but does not belong to account ${ACCOUNT} (HeadBucket with ExpectedBucketOwner=${ACCOUNT}: 403)`,
        `      fix: bucket names are global and this one is someone else's: choose another FABLE_STATE_BUCKET, e.g. ${ACCOUNT}-fable-terraform-state`,
        '           if the bucket is yours, these credentials lack s3:ListBucket on it: run the doctor as the deploying identity',
        '',
      ].join('\n'),
    );
    expect(exitCode([result])).toBe(1);
  });

  test('fails when FABLE_STATE_BUCKET is unset, without calling S3', async () => {
    const result = await check(undefined, IDENTITY);
    expect(formatResult(result)).toBe(
      [
        'FAIL  state bucket (us-west-2): FABLE_STATE_BUCKET is not set: a synth without it is for review only and cannot be deployed',
        `      fix: export FABLE_STATE_BUCKET=<bucket> (names are global: pick your own, e.g. ${ACCOUNT}-fable-terraform-state)`,
        '           use the same value for fable-bootstrap and for every stage, in every shell that runs cdktf',
        '',
      ].join('\n'),
    );
    expect(s3.calls()).toHaveLength(0);
    expect(exitCode([result])).toBe(1);
  });

  test('fails a bucket of this account in another region: the backend would not find it', async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: 'eu-central-1' });
    const result = await check(BUCKET, IDENTITY);
    expect(result.status).toBe('FAIL');
    expect(result.detail).toBe(`${BUCKET} belongs to this account but is in eu-central-1, and the stages' backend uses us-west-2`);
    expect(result.fix).toEqual(['deploy with FABLE_REGION=eu-central-1, or choose another FABLE_STATE_BUCKET for us-west-2']);
  });

  test('skips the S3 call without credentials, and still fails an unset bucket', async () => {
    expect((await check(BUCKET, undefined)).status).toBe('SKIP');
    expect((await check(undefined, undefined)).status).toBe('FAIL');
    expect(s3.calls()).toHaveLength(0);
  });

  test('fails on any other S3 error, naming it', async () => {
    s3.on(HeadBucketCommand).rejects(s3Error(400, 'BadRequest'));
    const result = await check(BUCKET, IDENTITY);
    expect(result.status).toBe('FAIL');
    expect(result.detail).toBe(`HeadBucket ${BUCKET} failed: BadRequest`);
  });
});
