import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app';
import { resourcesOf, synthApp, TEST_STATE_BUCKET, testBundles } from '../helpers/synth';

describe('the app', () => {
  it('declares every stage stack dependent on fable-bootstrap, so `cdktf deploy` applies bootstrap first', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'fable-app-'));
    buildApp({ bundles: await testBundles(), outdir, env: { FABLE_STATE_BUCKET: TEST_STATE_BUCKET }, context: { stages: ['dev', 'prod'] } }).synth();
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    expect(Object.fromEntries(Object.entries(manifest.stacks).map(([id, stack]: [string, any]) => [id, stack.dependencies]))).toEqual({
      'fable-bootstrap': [],
      'fable-dev': ['fable-bootstrap'],
      'fable-prod': ['fable-bootstrap'],
    });
  });

  it('outside the default region, carries the region in every IAM name so a second region never collides with the first', async () => {
    const names = (stacks: Awaited<ReturnType<typeof synthApp>>) =>
      Object.values(stacks).flatMap((stack) => [...resourcesOf(stack, 'aws_iam_role'), ...resourcesOf(stack, 'aws_iam_policy')].map((r) => r.name as string));
    const home = names(await synthApp(['dev']));
    const second = names(await synthApp(['dev'], { FABLE_STATE_BUCKET: TEST_STATE_BUCKET, FABLE_REGION: 'eu-central-1' }));
    expect(home).toContain('fable-dev-chat');
    expect(home.length).toBeGreaterThan(10);
    expect(second).toHaveLength(home.length);
    for (const name of second) {
      expect(name).toMatch(/-eu-central-1$/);
      expect(name.length).toBeLessThanOrEqual(64);
    }
    expect(second.filter((name) => home.includes(name))).toEqual([]);
  });
});
