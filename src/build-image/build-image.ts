import { join } from 'node:path';
import { Construct } from 'constructs';
import { AssetType, TerraformAsset, TerraformStack } from 'cdktf';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Image } from '@cdktf/provider-docker/lib/image';
import { RegistryImage } from '@cdktf/provider-docker/lib/registry-image';
import { FableStage } from '../stage/fable-stage';
import type { BuildRepository } from '../pipeline/build-repository';
import { buildContextHash } from './context-hash';

/** The build container's source: Dockerfile, entrypoint and prompts. */
export const BUILD_CONTEXT_DIR = join(__dirname, '..', '..', 'docker', 'build');

export const BUILD_PLATFORMS = { ARM64: 'linux/arm64', X86_64: 'linux/amd64' } as const;

/** The ECR login of a plan or apply: an ephemeral resource, so the token is never written to state or a plan file. */
const REGISTRY_TOKEN = 'ephemeral.aws_ecr_authorization_token.build_registry';

export interface BuildImageProps {
  readonly repository: BuildRepository;
  readonly contextDir?: string;
}

/**
 * The build container image the task definition runs. By default Terraform builds it from
 * docker/build with the docker provider and pushes it to the repository, tagged with a hash of
 * the build context: the tag (and so the task definition) changes only when the container does.
 * With a prebuilt tag (`FABLE_BUILD_IMAGE_TAG`) no Docker engine is involved at all.
 *
 * The docker provider is configured only with values known at plan time (the registry address
 * from the account and region; the login from an ephemeral resource opened during the run), so
 * the first plan of a new stage works before the repository exists.
 */
export class BuildImage extends Construct {
  readonly imageUri: string;
  readonly tag: string;

  constructor(scope: Construct, id: string, props: BuildImageProps) {
    super(scope, id);
    const stage = FableStage.of(this);
    const { repository } = props;
    const image = stage.config.build.image;
    if (image.source === 'prebuilt') {
      this.tag = image.tag;
      this.imageUri = repository.imageUri(image.tag);
      return;
    }

    const contextDir = props.contextDir ?? BUILD_CONTEXT_DIR;
    this.tag = buildContextHash(contextDir);
    // Copied into the stack's assets so the plan holds a relative, machine-independent path.
    const context = new TerraformAsset(this, 'context', { path: contextDir, type: AssetType.DIRECTORY });
    // cdktf 0.21 has no ephemeral block class; Terraform (>= 1.10) reads this one from the JSON.
    TerraformStack.of(this).addOverride(REGISTRY_TOKEN, {});
    const { env } = stage;
    const provider = new DockerProvider(this, 'docker', {
      registryAuth: [
        {
          address: `${env.accountId}.dkr.ecr.${env.region}.${env.dnsSuffix}`,
          username: `\${${REGISTRY_TOKEN}.user_name}`,
          password: `\${${REGISTRY_TOKEN}.password}`,
        },
      ],
    });
    const built = new Image(this, 'image', {
      provider,
      name: repository.imageUri(this.tag),
      keepLocally: true,
      buildAttribute: { context: context.path, platform: BUILD_PLATFORMS[stage.config.build.architecture] },
    });
    const pushed = new RegistryImage(this, 'push', {
      provider,
      name: built.name,
      // The repository's tags are immutable and expire by lifecycle, never by destroy.
      keepRemotely: true,
    });
    this.imageUri = pushed.name;
  }
}
