import { BuildImage } from '../../src/build-image/build-image';
import { BuildRepository } from '../../src/pipeline/build-repository';
import { resourcesOf, synthJson } from '../helpers/synth';
import { testStage } from '../helpers/stage';
import { runScript } from '../helpers/cli';

describe('npm run image-tag', () => {
  it('prints the tag the local build path pushes, so the prebuilt path (CI) names the same image', async () => {
    const { stack } = testStage();
    const image = new BuildImage(stack, 'build-image', { repository: new BuildRepository(stack, 'build-repository') });
    const result = await runScript('image-tag', []);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${image.tag}\n`);
    expect(image.tag).toMatch(/^[0-9a-f]{64}$/);
  });

  it('with that tag as FABLE_BUILD_IMAGE_TAG, the stage has no docker provider or resources at all', () => {
    const { stack } = testStage({ overrides: { buildImageTag: 'a'.repeat(64) } });
    new BuildImage(stack, 'build-image', { repository: new BuildRepository(stack, 'build-repository') });
    const json = synthJson(stack);
    expect(json.provider?.docker).toBeUndefined();
    expect(json.ephemeral).toBeUndefined();
    expect(Object.keys(json.resource).filter((type) => type.startsWith('docker_'))).toEqual([]);
    expect(resourcesOf(json, 'aws_ecr_repository')).toHaveLength(1);
  });
});
