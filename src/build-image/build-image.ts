import { join } from 'node:path';
import { Construct } from 'constructs';
import { AssetType, Fn, TerraformAsset } from 'cdktf';
import { DataAwsEcrAuthorizationToken } from '@cdktf/provider-aws/lib/data-aws-ecr-authorization-token';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Image } from '@cdktf/provider-docker/lib/image';
import { RegistryImage } from '@cdktf/provider-docker/lib/registry-image';
import type { StageConfig } from '../config';
import type { BuildRepository } from '../pipeline/build-repository';
import { buildContextHash } from './context-hash';

/** The build container's source: Dockerfile, entrypoint and prompts. */
export const BUILD_CONTEXT_DIR = join(__dirname, '..', '..', 'docker', 'build');

const PLATFORMS = { ARM64: 'linux/arm64', X86_64: 'linux/amd64' } as const;

export interface BuildImageProps {
  readonly config: StageConfig;
  readonly repository: BuildRepository;
  readonly contextDir?: string;
}

/**
 * The build container image the task definition runs. By default Terraform builds it from
 * docker/build with the docker provider and pushes it to the repository, tagged with a hash of
 * the build context: the tag (and so the task definition) changes only when the container does.
 * With a prebuilt tag (`FABLE_BUILD_IMAGE_TAG`) no Docker engine is involved at all.
 */
export class BuildImage extends Construct {
  readonly imageUri: string;
  readonly tag: string;

  constructor(scope: Construct, id: string, props: BuildImageProps) {
    super(scope, id);
    const { config, repository } = props;
    const image = config.build.image;
    if (image.source === 'prebuilt') {
      this.tag = image.tag;
      this.imageUri = repository.imageUri(image.tag);
      return;
    }

    const contextDir = props.contextDir ?? BUILD_CONTEXT_DIR;
    this.tag = buildContextHash(contextDir);
    // Copied into the stack's assets so the plan holds a relative, machine-independent path.
    const context = new TerraformAsset(this, 'context', { path: contextDir, type: AssetType.DIRECTORY });
    const registryToken = new DataAwsEcrAuthorizationToken(this, 'registry-token', {
      registryId: repository.repository.registryId,
    });
    const provider = new DockerProvider(this, 'docker', {
      registryAuth: [
        {
          address: Fn.element(Fn.split('/', repository.repositoryUrl), 0),
          username: registryToken.userName,
          password: registryToken.password,
        },
      ],
    });
    const built = new Image(this, 'image', {
      provider,
      name: repository.imageUri(this.tag),
      keepLocally: true,
      buildAttribute: { context: context.path, platform: PLATFORMS[config.build.architecture] },
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
