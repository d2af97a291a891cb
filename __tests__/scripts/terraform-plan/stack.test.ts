import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CliError } from '../../../scripts/terraform-plan/errors';
import { refreshOnlyPlanJson, stackDir } from '../../../scripts/terraform-plan/stack';

describe('stack', () => {
  test('stackDir points at the synth output and says how to make it when it is missing', () => {
    expect(() => stackDir('fable-missing-stack')).toThrow(new CliError('stack directory not found: cdktf.out/stacks/fable-missing-stack (run `npm run synth` first)'));
  });

  test('refreshOnlyPlanJson reports a missing terraform binary as a CliError', () => {
    const dir = mkdtempSync(`${tmpdir()}/fable-no-terraform-`);
    const path = process.env.PATH;
    process.env.PATH = dir;
    try {
      expect(() => refreshOnlyPlanJson(dir)).toThrow(new CliError('terraform is not installed (not found on PATH)'));
    } finally {
      process.env.PATH = path;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
