import { BuildImage } from '../../../src/build-image/build-image';
import { BuildRepository } from '../../../src/pipeline/build-repository';
import { resourcesOf, synthJson, type StackJson } from '../../helpers/synth';
import { testStage } from '../../helpers/stage';

/** The local-build path of the build image (no FABLE_BUILD_IMAGE_TAG): what the docker provider is given. */
function localBuild(stage = 'dev'): { json: StackJson; image: BuildImage } {
  const { stack } = testStage({ stage });
  const image = new BuildImage(stack, 'build-image', { repository: new BuildRepository(stack, 'build-repository') });
  return { json: synthJson(stack), image };
}

const dataRef = (json: StackJson, type: string, attribute: string) => `\${data.${type}.${Object.keys(json.data![type])[0]}.${attribute}}`;

describe('build image, built locally', () => {
  it('logs in to ECR at an address known at plan time: account, region and DNS suffix, never the repository (review B2)', () => {
    const { json } = localBuild();
    const [auth] = json.provider!.docker[0].registry_auth;
    expect(auth.address).toBe(
      `${dataRef(json, 'aws_caller_identity', 'account_id')}.dkr.ecr.${dataRef(json, 'aws_region', 'region')}.${dataRef(json, 'aws_partition', 'dns_suffix')}`,
    );
    expect(JSON.stringify(json.provider!.docker)).not.toContain('aws_ecr_repository');
  });

  it('takes the login from an ephemeral token, so no ECR password reaches the state or a plan file (review R6)', () => {
    const { json } = localBuild();
    expect(json.ephemeral).toEqual({ aws_ecr_authorization_token: { build_registry: {} } });
    const [auth] = json.provider!.docker[0].registry_auth;
    expect(auth.username).toBe('${ephemeral.aws_ecr_authorization_token.build_registry.user_name}');
    expect(auth.password).toBe('${ephemeral.aws_ecr_authorization_token.build_registry.password}');
    expect(json.data?.aws_ecr_authorization_token).toBeUndefined();
  });

  it('builds for the stage architecture, tagged with the context hash, and keeps pushed tags', () => {
    const { json, image } = localBuild();
    const [built] = resourcesOf(json, 'docker_image');
    expect(built.build.platform).toBe('linux/arm64');
    expect(built.name).toContain(`:${image.tag}`);
    const [pushed] = resourcesOf(json, 'docker_registry_image');
    expect(pushed.keep_remotely).toBe(true);
  });
});
