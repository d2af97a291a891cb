import { resourcesOf, synthApp, TEST_STATE_BUCKET, type StackJson } from '../../helpers/synth';

let bootstrap: StackJson;

beforeAll(async () => {
  bootstrap = (await synthApp(['dev']))['fable-bootstrap'];
});

describe('fable-bootstrap', () => {
  it('keeps its own state locally, since it creates the bucket that holds everyone else\'s', () => {
    expect(bootstrap.terraform.backend).toEqual({ local: { path: '../../../terraform.fable-bootstrap.tfstate' } });
  });

  it('creates a versioned, encrypted, fully private state bucket that refuses to be destroyed', () => {
    const [bucket] = resourcesOf(bootstrap, 'aws_s3_bucket');
    expect(bucket).toMatchObject({ bucket: TEST_STATE_BUCKET, force_destroy: false, lifecycle: { prevent_destroy: true } });
    expect(resourcesOf(bootstrap, 'aws_s3_bucket_versioning')[0].versioning_configuration.status).toBe('Enabled');
    expect(resourcesOf(bootstrap, 'aws_s3_bucket_server_side_encryption_configuration')).toHaveLength(1);
    expect(resourcesOf(bootstrap, 'aws_s3_bucket_public_access_block')[0]).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it('denies every non-TLS request to the state bucket', () => {
    const policy = JSON.parse(resourcesOf(bootstrap, 'aws_s3_bucket_policy')[0].policy);
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('names the account-wide CloudWatch role API Gateway needs for WebSocket access logs', () => {
    expect(resourcesOf(bootstrap, 'aws_api_gateway_account')).toEqual([
      expect.objectContaining({ cloudwatch_role_arn: expect.stringMatching(/^\$\{aws_iam_role\.apigateway-logging_role_[\w]+\.arn\}$/) }),
    ]);
  });

  it('outputs the bucket name', () => {
    expect(bootstrap.output!.StateBucketName.value).toMatch(/aws_s3_bucket\.state_bucket/);
  });
});
