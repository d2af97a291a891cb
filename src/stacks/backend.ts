import { S3Backend, type TerraformStack } from 'cdktf';
import type { StageConfig } from '../config';

/** State key of a stage (DESIGN.md section 2). */
export function stateKey(stage: string): string {
  return `fable/${stage}/terraform.tfstate`;
}

/**
 * S3 backend with S3-native locking. cdktf 0.21 has no `useLockfile` option, so it is set by
 * override (Terraform >= 1.10); no DynamoDB lock table is needed.
 */
export function useS3Backend(stack: TerraformStack, config: StageConfig): void {
  new S3Backend(stack, {
    bucket: config.stateBucket,
    key: stateKey(config.stage),
    region: config.region,
    encrypt: true,
  });
  stack.addOverride('terraform.backend.s3.use_lockfile', true);
}
