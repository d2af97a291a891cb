import { NOT_FOUND, type RunCommand } from './command';
import { fail, firstLine, pass, type CheckResult } from './result';

const NAME = 'terraform';
/** The S3 backend's `use_lockfile` (S3-native state locking) exists from Terraform 1.10 on. */
const MINIMUM: readonly [number, number] = [1, 10];

const FIX = [
  'install Terraform 1.10 or newer and put it on PATH: https://developer.hashicorp.com/terraform/install',
  'the cdktf CLI runs `terraform`, or the program named by TERRAFORM_BINARY_NAME when that is set',
];

/** `terraform version -json` prints `{"terraform_version": "1.11.4", ...}` (Terraform 0.13 and later). */
function parseVersion(stdout: string): [number, number, number] | undefined {
  let version: unknown;
  try {
    version = (JSON.parse(stdout) as { terraform_version?: unknown }).terraform_version;
  } catch {
    return undefined;
  }
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(String(version));
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

export async function checkTerraform(run: RunCommand, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  // The same program the cdktf CLI will run.
  const binary = env.TERRAFORM_BINARY_NAME || 'terraform';
  const result = await run(binary, ['version', '-json']);
  if (result.exitCode === NOT_FOUND) return fail(NAME, `${binary} is not on PATH`, FIX);
  if (result.exitCode !== 0) return fail(NAME, `\`${binary} version -json\` failed: ${firstLine(result.stderr)}`, FIX);
  const version = parseVersion(result.stdout);
  if (!version) return fail(NAME, `\`${binary} version -json\` printed no version (Terraform before 0.13 has no -json)`, FIX);
  const [major, minor] = version;
  const text = version.join('.');
  if (major < MINIMUM[0] || (major === MINIMUM[0] && minor < MINIMUM[1])) {
    return fail(NAME, `Terraform ${text} is older than ${MINIMUM.join('.')}, which the S3 backend's use_lockfile needs`, FIX);
  }
  return pass(NAME, `Terraform ${text} (${binary}), >= ${MINIMUM.join('.')} as the S3 backend's use_lockfile needs`);
}
