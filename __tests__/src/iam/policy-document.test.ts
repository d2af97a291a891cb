import { assertLeastPrivilege, policyDocument, serviceTrustPolicy, tlsOnlyBucketStatement } from '../../../src/iam/policy-document';

describe('least-privilege policy documents', () => {
  it('renders statements as IAM JSON with single values unwrapped', () => {
    const doc = JSON.parse(policyDocument([{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/k/*'] }]));
    expect(doc).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/k/*' }],
    });
  });

  it('rejects wildcard actions in an Allow', () => {
    expect(() => assertLeastPrivilege({ actions: ['s3:*'], resources: ['arn:aws:s3:::b'] })).toThrow(/Wildcard action/);
    expect(() => assertLeastPrivilege({ actions: ['*'], resources: ['arn:aws:s3:::b'] })).toThrow(/Wildcard action/);
  });

  it('rejects Resource "*" for actions AWS can scope, and allows it for those it cannot', () => {
    expect(() => assertLeastPrivilege({ actions: ['dynamodb:GetItem'], resources: ['*'] })).toThrow(/dynamodb:GetItem/);
    expect(() => assertLeastPrivilege({ actions: ['xray:PutTraceSegments', 'ecr:GetAuthorizationToken'], resources: ['*'] })).not.toThrow();
  });

  it('allows a wildcard in a Deny, which only narrows access', () => {
    expect(() => assertLeastPrivilege(tlsOnlyBucketStatement('arn:aws:s3:::b'))).not.toThrow();
  });

  it('rejects empty statements', () => {
    expect(() => assertLeastPrivilege({ actions: [], resources: ['x'] })).toThrow(/at least one action/);
  });

  it('limits service trust to the account (confused deputy)', () => {
    const trust = JSON.parse(serviceTrustPolicy('lambda.amazonaws.com', '123456789012'));
    expect(trust.Statement[0]).toEqual({
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
    });
  });
});
