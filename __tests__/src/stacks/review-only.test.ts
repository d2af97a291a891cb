import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REVIEW_ONLY_MESSAGE } from '../../../src/stacks/backend';
import { PROJECT_ROOT } from '../../helpers/cli';
import { synthApp, type StackJson } from '../../helpers/synth';
import { describeIfTerraform } from '../../helpers/terraform';

/** The review-only guard of a synthesized stack, on its own: Terraform needs no provider to plan it. */
function guardOnly(stack: StackJson): string {
  return JSON.stringify({ locals: stack.locals, output: { 'review-only': stack.output?.['review-only'] } });
}

async function plan(config: string): Promise<{ failed: boolean; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'fable-review-only-'));
  const env = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', NO_COLOR: '1' };
  try {
    writeFileSync(join(dir, 'main.tf.json'), config);
    await promisify(execFile)('terraform', ['init', '-input=false'], { cwd: dir, env });
    const { stdout } = await promisify(execFile)('terraform', ['plan', '-input=false', '-no-color'], { cwd: dir, env });
    return { failed: false, output: stdout };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { failed: true, output: `${stdout}${stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeIfTerraform('a synth without FABLE_STATE_BUCKET', () => {
  it('cannot be planned by Terraform: both stacks stop with the fix in the message', async () => {
    const stacks = await synthApp(['dev'], {});
    for (const id of ['fable-bootstrap', 'fable-dev']) {
      const { failed, output } = await plan(guardOnly(stacks[id]));
      expect({ id, failed }).toEqual({ id, failed: true });
      expect(output.replace(/\s+/g, ' ')).toContain(REVIEW_ONLY_MESSAGE);
    }
  });
});

describe('a synth without FABLE_STATE_BUCKET, on a machine without Terraform', () => {
  it('still works as `npm run synth` runs it (the synth command needs only Node and npm)', async () => {
    // PATH holds the pinned Node and nothing else: no terraform for a construct's version check to find.
    const bin = mkdtempSync(join(tmpdir(), 'fable-only-node-'));
    symlinkSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'node'), join(bin, 'node'));
    const outdir = mkdtempSync(join(tmpdir(), 'fable-synth-'));
    const env = { HOME: tmpdir(), PATH: bin, CDKTF_OUTDIR: outdir };
    await promisify(execFile)(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [join(PROJECT_ROOT, 'main.ts')], { cwd: PROJECT_ROOT, env });
    const stack = JSON.parse(readFileSync(join(outdir, 'stacks', 'fable-bootstrap', 'cdk.tf.json'), 'utf8')) as StackJson;
    expect(stack.output?.['review-only']).toBeDefined();
  }, 120_000);
});
