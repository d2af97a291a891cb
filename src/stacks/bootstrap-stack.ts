import { Construct } from 'constructs';
import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { SecureBucket } from '../storage/secure-bucket';
import { AwsEnvironment } from '../platform/aws-environment';
import { ApiGatewayLogging } from '../api/api-gateway-logging';
import { useAwsProvider } from './aws-provider';

export const BOOTSTRAP_STACK_ID = 'fable-bootstrap';

export interface BootstrapStackProps {
  readonly stateBucket: string;
  readonly region: string;
}

/**
 * Per-account, per-region setup shared by every stage: the S3 bucket that holds each stage's
 * Terraform state, and API Gateway's CloudWatch role (WebSocket access logs need it). Its own
 * state is local (terraform.fable-bootstrap.tfstate): the bucket cannot hold the state that creates it.
 */
export class BootstrapStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    // Relative to cdktf.out/stacks/<id>: the project root, outside the output folder a synth
    // rewrites, kept out of git by .gitignore, and the same path on every machine.
    new LocalBackend(this, { path: `../../../terraform.${id}.tfstate` });
    useAwsProvider(this, props.region, 'bootstrap');
    const state = new SecureBucket(this, 'state', {
      bucketName: props.stateBucket,
      forceDestroy: false,
      lifecycle: { noncurrentVersionDays: 90, abortMultipartDays: 7 },
    });
    // Losing the state bucket orphans every stage; make `terraform destroy` refuse.
    state.bucket.addOverride('lifecycle.prevent_destroy', true);
    new ApiGatewayLogging(this, 'apigateway-logging', { env: new AwsEnvironment(this, 'env') });
    new TerraformOutput(this, 'StateBucketName', { value: state.name }).overrideLogicalId('StateBucketName');
  }
}
