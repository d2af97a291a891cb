import type { Construct } from 'constructs';
import { EXPORT_RETENTION_DAYS, type ArtifactPrefix, type BucketBinding } from '../../lambdas/shared/contract';
import { FableStage } from '../stage/fable-stage';
import { SecureBucket } from '../storage/secure-bucket';
import type { BindingProvider, ResolvedBinding } from '../bindings/binding-provider';

/** Key prefixes of DESIGN.md section 5: build specs and outputs, tool bundles, data exports. */
export const ARTIFACT_PREFIXES = { builds: 'builds/', tools: 'tools/', exports: 'exports/' } as const satisfies Record<string, ArtifactPrefix>;

/** `fable-<stage>-artifacts-<account>`: build specs/outputs, tool bundles and data exports (kept 7 days). */
export class ArtifactsBucket extends SecureBucket implements BindingProvider<BucketBinding> {
  constructor(scope: Construct, id: string) {
    const stage = FableStage.of(scope);
    super(scope, id, {
      bucketName: `${stage.name('artifacts')}-${stage.env.accountId}`,
      forceDestroy: stage.config.forceDestroy,
      lifecycle: {
        noncurrentVersionDays: 30,
        abortMultipartDays: 7,
        expiring: [{ prefix: ARTIFACT_PREFIXES.exports, days: EXPORT_RETENTION_DAYS }],
      },
    });
    stage.provide<BucketBinding>('bucket:artifacts', this);
  }

  /** The bucket's name, exactly the object actions under each bound prefix, and listing where asked. */
  resolveBinding(binding: BucketBinding): ResolvedBinding {
    const listed = binding.objects.filter((objects) => objects.list).map((objects) => objects.prefix);
    return {
      value: this.name,
      statements: [
        ...binding.objects.map(({ prefix, actions }) => ({
          actions: actions.map((action) => `s3:${action}`).sort(),
          resources: [this.objectsArn(prefix)],
        })),
        ...(listed.length > 0 ? [this.listStatement(listed)] : []),
      ],
    };
  }
}
