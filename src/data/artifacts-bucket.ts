import { Construct } from 'constructs';
import { resourceName, type StageConfig } from '../config';
import type { AwsEnvironment } from '../platform/aws-environment';
import { SecureBucket } from '../storage/secure-bucket';

/** Key prefixes of DESIGN.md section 5: build specs and outputs, and tool bundles. */
export const ARTIFACT_PREFIXES = { builds: 'builds/', tools: 'tools/' } as const;

/** `fable-<stage>-artifacts-<account>`: build specs/outputs and tool bundles. */
export function createArtifactsBucket(scope: Construct, config: StageConfig, env: AwsEnvironment): SecureBucket {
  return new SecureBucket(scope, 'artifacts', {
    bucketName: `${resourceName(config.stage, 'artifacts')}-${env.accountId}`,
    forceDestroy: config.forceDestroy,
    lifecycle: { noncurrentVersionDays: 30, abortMultipartDays: 7 },
  });
}
