import { Construct } from 'constructs';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { FableStage } from '../stage/fable-stage';
import type { FableRole } from '../iam/fable-role';

/** Images kept in the repository; older ones expire (a running build pins its task definition's image). */
export const KEPT_IMAGES = 10;

/** ECR accepts tags of up to 128 characters from this alphabet, not starting with `.` or `-`. */
const IMAGE_TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * ECR repository `fable-<stage>-build` for the build container: immutable tags (a tag always
 * means the same image), scan on push, AES256 at rest, only the newest images kept.
 */
export class BuildRepository extends Construct {
  readonly repository: EcrRepository;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stage = FableStage.of(this);
    this.repository = new EcrRepository(this, 'repository', {
      name: stage.name('build'),
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'AES256' }],
      forceDelete: stage.config.forceDestroy,
    });
    new EcrLifecyclePolicy(this, 'lifecycle', {
      repository: this.repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Keep the ${KEPT_IMAGES} newest images`,
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: KEPT_IMAGES },
            action: { type: 'expire' },
          },
        ],
      }),
    });
  }

  get arn(): string {
    return this.repository.arn;
  }

  get repositoryUrl(): string {
    return this.repository.repositoryUrl;
  }

  /** The URI of one tagged image in this repository. */
  imageUri(tag: string): string {
    if (!IMAGE_TAG_PATTERN.test(tag)) throw new Error(`Invalid image tag "${tag}".`);
    return `${this.repositoryUrl}:${tag}`;
  }

  /** Let a role (an ECS execution role) pull images from this repository only. */
  grantPull(role: FableRole): void {
    role.addStatements(
      {
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        resources: [this.repository.arn],
      },
      // Registry login is account-wide: AWS offers no resource to scope it to.
      { actions: ['ecr:GetAuthorizationToken'], resources: ['*'] },
    );
  }
}
