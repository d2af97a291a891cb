import { Construct } from 'constructs';
import { Lazy } from 'cdktf';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { policyDocument, tlsOnlyBucketStatement, type PolicyStatement } from '../iam/policy-document';
import type { FableRole } from '../iam/fable-role';

export type S3ObjectAction = 's3:GetObject' | 's3:PutObject' | 's3:DeleteObject' | 's3:GetObjectVersion';

/** Objects under a prefix that live only `days` (their noncurrent versions one more day). */
export interface ExpiringPrefix {
  readonly prefix: string;
  readonly days: number;
}

export interface SecureBucketProps {
  readonly bucketName: string;
  readonly forceDestroy: boolean;
  /** Expire noncurrent versions and abandoned multipart uploads, and whatever is under `expiring` prefixes. */
  readonly lifecycle?: {
    readonly noncurrentVersionDays: number;
    readonly abortMultipartDays: number;
    readonly expiring?: readonly ExpiringPrefix[];
  };
}

/** A key prefix names a folder (`builds/`), or the whole bucket (''). */
function keyPrefix(prefix: string): string {
  if (prefix !== '' && !prefix.endsWith('/')) throw new Error(`Key prefix "${prefix}" must end with "/".`);
  return prefix;
}

/**
 * An S3 bucket with the baseline every FABLE bucket shares: versioned, SSE-S3 encrypted, all
 * four public-access blocks, BucketOwnerEnforced (ACLs off) and a policy denying non-TLS access.
 */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  private readonly extraPolicy: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, 'bucket', { bucket: props.bucketName, forceDestroy: props.forceDestroy });
    const bucket = this.bucket.id;
    new S3BucketVersioningA(this, 'versioning', {
      bucket,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true }],
    });
    const publicAccess = new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', {
      bucket,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    new S3BucketPolicy(this, 'policy', {
      bucket,
      policy: Lazy.stringValue({
        produce: () => policyDocument([tlsOnlyBucketStatement(this.bucket.arn), ...this.extraPolicy]),
      }),
      // S3 rejects a bucket policy while the public-access block is still being applied.
      dependsOn: [publicAccess],
    });
    if (props.lifecycle) {
      new S3BucketLifecycleConfiguration(this, 'lifecycle', {
        bucket,
        rule: [
          {
            id: 'expire-noncurrent-versions',
            status: 'Enabled',
            filter: [{ prefix: '' }],
            noncurrentVersionExpiration: [{ noncurrentDays: props.lifecycle.noncurrentVersionDays }],
          },
          {
            id: 'abort-incomplete-multipart-uploads',
            status: 'Enabled',
            filter: [{ prefix: '' }],
            abortIncompleteMultipartUpload: [{ daysAfterInitiation: props.lifecycle.abortMultipartDays }],
          },
          // Where rules overlap, S3 honours the shorter expiration: these prefixes keep no old versions for long.
          ...(props.lifecycle.expiring ?? []).map(({ prefix, days }) => ({
            id: `expire-${prefix.replace(/\/$/, '')}`,
            status: 'Enabled',
            filter: [{ prefix }],
            expiration: [{ days }],
            noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
          })),
        ],
      });
    }
  }

  get name(): string {
    return this.bucket.bucket;
  }

  get arn(): string {
    return this.bucket.arn;
  }

  /** ARN pattern for the objects under a key prefix, e.g. `builds/`. */
  objectsArn(prefix: string): string {
    return `${this.bucket.arn}/${keyPrefix(prefix)}*`;
  }

  /** Listing the keys under these prefixes only (ListObjectsV2 is authorized on the bucket, with the prefix asked for). */
  listStatement(prefixes: readonly string[]): PolicyStatement {
    return {
      actions: ['s3:ListBucket'],
      resources: [this.bucket.arn],
      conditions: { StringLike: { 's3:prefix': prefixes.map((prefix) => `${keyPrefix(prefix)}*`) } },
    };
  }

  /** Grant object actions under one key prefix only. */
  grantObjects(role: FableRole, prefix: string, actions: readonly S3ObjectAction[]): void {
    role.addStatements({ actions: [...actions].sort(), resources: [this.objectsArn(prefix)] });
  }

  /** Extra statements for the bucket policy (the TLS-only deny is always there). */
  addToPolicy(...statements: PolicyStatement[]): void {
    this.extraPolicy.push(...statements);
  }
}
