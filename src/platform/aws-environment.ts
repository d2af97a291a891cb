import { Construct, type IConstruct } from 'constructs';
import { Fn, TerraformStack } from 'cdktf';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones';

export interface ArnParts {
  readonly service: string;
  readonly resource: string;
  /** `''` for global services (IAM, S3); default: the stack's region. */
  readonly region?: string;
  /** `''` for resources without an account (S3 buckets, AWS-owned models); default: the caller's account. */
  readonly account?: string;
}

/** Builds ARNs in the deploy target's partition, region and account. */
export interface ArnFormatter {
  readonly partition: string;
  arn(parts: ArnParts): string;
}

const ID = 'aws-environment';

/**
 * Account, region, partition and AZs of the deploy target, read from data sources so nothing
 * is hard-coded, plus the single ARN builder every construct uses. One per stack, created on
 * first use and found with `AwsEnvironment.of(scope)`.
 */
export class AwsEnvironment extends Construct implements ArnFormatter {
  static of(scope: IConstruct): AwsEnvironment {
    const stack = TerraformStack.of(scope);
    const existing = stack.node.tryFindChild(ID);
    return existing instanceof AwsEnvironment ? existing : new AwsEnvironment(stack, ID);
  }

  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly dnsSuffix: string;
  private readonly zones: DataAwsAvailabilityZones;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.accountId = new DataAwsCallerIdentity(this, 'account').accountId;
    this.region = new DataAwsRegion(this, 'region').region;
    const partition = new DataAwsPartition(this, 'partition');
    this.partition = partition.partition;
    this.dnsSuffix = partition.dnsSuffix;
    this.zones = new DataAwsAvailabilityZones(this, 'zones', {
      state: 'available',
      filter: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }],
    });
  }

  /** Name of the index-th available AZ of the region. */
  availabilityZone(index: number): string {
    return Fn.element(this.zones.names, index);
  }

  arn(parts: ArnParts): string {
    const region = parts.region ?? this.region;
    const account = parts.account ?? this.accountId;
    return `arn:${this.partition}:${parts.service}:${region}:${account}:${parts.resource}`;
  }
}
