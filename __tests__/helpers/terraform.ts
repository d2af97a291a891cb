import { execFile, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Real plans need only the terraform binary: terraform_data is built in, so nothing is downloaded. */
export const hasTerraform = spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;
if (!hasTerraform) console.warn('terraform is not on PATH: the tests that run real Terraform plans are skipped.');
export const describeIfTerraform = hasTerraform ? describe : describe.skip;

const env = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };

export async function terraform(dir: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('terraform', args, { cwd: dir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export interface Scenario {
  /** Configuration applied first, so that the plan has a prior state (local backend, state in `dir`). */
  applied?: string;
  /** Configuration that is planned. */
  planned: string;
  /** Extra `terraform plan` flags, e.g. -refresh-only. */
  flags?: string[];
}

/** Plans the scenario in `dir` and writes `terraform show -json` of the plan to `dir/plan.json`; returns that path. */
export async function realPlan(dir: string, scenario: Scenario): Promise<string> {
  await mkdir(dir, { recursive: true });
  await terraform(dir, ['init', '-input=false']);
  if (scenario.applied !== undefined) {
    await writeFile(join(dir, 'main.tf'), scenario.applied);
    await terraform(dir, ['apply', '-auto-approve', '-input=false']);
  }
  await writeFile(join(dir, 'main.tf'), scenario.planned);
  await terraform(dir, ['plan', '-input=false', '-out=tfplan', ...(scenario.flags ?? [])]);
  const planPath = join(dir, 'plan.json');
  await writeFile(planPath, await terraform(dir, ['show', '-json', 'tfplan']));
  return planPath;
}
