import { LocalBackend, S3Backend, type TerraformStack } from 'cdktf';
import { planGuard } from './plan-guard';

/** State key of a stage (DESIGN.md section 2). */
export function stateKey(stage: string): string {
  return `fable/${stage}/terraform.tfstate`;
}

/** Where a stack keeps its state: the shared bucket, or nowhere deployable (see `useStateBackend`). */
export interface StateLocation {
  /** The S3 bucket (FABLE_STATE_BUCKET); unset makes the synth review-only. */
  readonly bucket?: string;
  readonly key: string;
  readonly region: string;
}

/** Relative to cdktf.out/stacks/<id>: the project root, outside the output folder a synth rewrites. */
export function localStatePath(stackId: string): string {
  return `../../../terraform.${stackId}.tfstate`;
}

export const REVIEW_ONLY_MESSAGE =
  'This stack was synthesized without FABLE_STATE_BUCKET, so it is for review only: set FABLE_STATE_BUCKET to your state bucket (the same value for the bootstrap and every stage) and synthesize again before deploying.';

/**
 * The S3 backend with S3-native locking (cdktf 0.21 has no `useLockfile` option, so it is set by
 * override; Terraform >= 1.10, no DynamoDB lock table). Without a bucket, the synth still works
 * offline, but a deploy cannot silently use a default bucket name (globally shared, likely taken,
 * possibly someone else's): the stack keeps a local backend and its plan fails on `reviewOnlyGuard`.
 */
export function useStateBackend(stack: TerraformStack, location: StateLocation): void {
  if (location.bucket === undefined) {
    new LocalBackend(stack, { path: localStatePath(stack.node.id) });
    reviewOnlyGuard(stack);
    return;
  }
  new S3Backend(stack, { bucket: location.bucket, key: location.key, region: location.region, encrypt: true });
  stack.addOverride('terraform.backend.s3.use_lockfile', true);
}

/** Fails every plan of a stack synthesized without a state bucket. */
export function reviewOnlyGuard(stack: TerraformStack): void {
  planGuard(stack, 'review-only', {
    message: REVIEW_ONLY_MESSAGE,
    description: 'Fails every plan of a stack synthesized without FABLE_STATE_BUCKET',
  });
}
