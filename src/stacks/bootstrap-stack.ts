import { Construct } from 'constructs';
import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { SecureBucket } from '../storage/secure-bucket';
import { ApiGatewayLogging } from '../api/api-gateway-logging';
import { useAwsProvider } from './aws-provider';
import { localStatePath, reviewOnlyGuard } from './backend';

export const BOOTSTRAP_STACK_ID = 'fable-bootstrap';

export interface BootstrapStackProps {
  /** FABLE_STATE_BUCKET; unset makes this synth review-only (see useStateBackend). */
  readonly stateBucket?: string;
  readonly region: string;
}

/**
 * Per-account, per-region setup shared by every stage: the S3 bucket that holds each stage's
 * Terraform state, and API Gateway's CloudWatch role (WebSocket access logs need it). Its own
 * state is local (terraform.fable-bootstrap.tfstate at the project root): the bucket cannot hold
 * the state that creates it.
 */
export class BootstrapStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    new LocalBackend(this, { path: localStatePath(id) });
    useAwsProvider(this, props.region, 'bootstrap');
    if (props.stateBucket === undefined) reviewOnlyGuard(this);
    const state = new SecureBucket(this, 'state', {
      bucketName: props.stateBucket ?? 'review-only-no-state-bucket',
      forceDestroy: false,
      lifecycle: { noncurrentVersionDays: 90, abortMultipartDays: 7 },
    });
    // Losing the state bucket orphans every stage; make `terraform destroy` refuse.
    state.bucket.addOverride('lifecycle.prevent_destroy', true);
    new ApiGatewayLogging(this, 'apigateway-logging', { region: props.region });
    new TerraformOutput(this, 'StateBucketName', { value: state.name }).overrideLogicalId('StateBucketName');
  }
}
