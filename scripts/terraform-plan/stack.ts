import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './errors';

/** Where `npm run synth` writes each stack's Terraform configuration, relative to the project root. */
const STACKS_DIR = join('cdktf.out', 'stacks');
const DRIFT_PLAN_FILE = 'drift.tfplan';

export function stackDir(stack: string): string {
  const dir = join(STACKS_DIR, stack);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new CliError(`stack directory not found: ${dir} (run \`npm run synth\` first)`);
  }
  return dir;
}

/** Runs a refresh-only plan in a synthesized stack directory and returns `terraform show -json` of it. */
export function refreshOnlyPlanJson(dir: string): string {
  terraform(['init', '-input=false', '-no-color'], dir, false);
  // -lock=false: a refresh-only plan changes nothing, and a read-only role cannot write the S3 lock file.
  terraform(['plan', '-refresh-only', '-input=false', '-no-color', '-lock=false', `-out=${DRIFT_PLAN_FILE}`], dir, false);
  return terraform(['show', '-json', DRIFT_PLAN_FILE], dir, true);
}

function terraform(args: string[], cwd: string, captureStdout: boolean): string {
  const result = spawnSync('terraform', args, {
    cwd,
    env: { ...process.env, TF_IN_AUTOMATION: '1' },
    // Terraform's own output goes to stderr so that stdout carries only the report.
    stdio: ['ignore', captureStdout ? 'pipe' : 2, 2],
    encoding: 'utf8',
    maxBuffer: 1024 ** 3,
  });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new CliError(missing ? 'terraform is not installed (not found on PATH)' : `cannot run terraform: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new CliError(`\`terraform ${args.join(' ')}\` failed in ${cwd} (exit ${result.status ?? result.signal})`);
  }
  return result.stdout ?? '';
}
