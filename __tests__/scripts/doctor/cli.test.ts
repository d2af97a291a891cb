/**
 * The entry file as `npm run doctor` runs it: tsx on the pinned Node, the default dependencies
 * (real AWS SDK clients, /proc/sys/fs/binfmt_misc), stub terraform and docker on PATH. No
 * credentials reach the child, so STS fails locally and no request leaves the machine.
 */
import { join } from 'node:path';
import { BIN, runScript } from '../../helpers/cli';
import { dockerInfo, Sandbox } from '../../helpers/doctor-harness';

describe('scripts/doctor.ts (tsx)', () => {
  let box: Sandbox;
  beforeEach(() => (box = new Sandbox()));
  afterEach(() => box.cleanup());

  test('prints one line per check and exits 1 when one fails', async () => {
    const env = {
      ...box.env,
      PATH: `${box.binDir}:${BIN}:/usr/bin:/bin`,
      HOME: box.root,
      // No credentials anywhere: no profile files, no instance metadata.
      AWS_CONFIG_FILE: join(box.root, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(box.root, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      STUB_DOCKER_INFO: dockerInfo('aarch64'),
    };
    const { code, stdout, stderr } = await runScript('doctor', ['--stage', 'dev'], { env });
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('FABLE doctor: dev in us-west-2');
    expect(lines.filter((line) => /^[A-Z]{4} {2}/.test(line)).map((line) => line.slice(0, line.indexOf(':')))).toEqual([
      'PASS  terraform',
      'FAIL  aws credentials (us-west-2)',
      'FAIL  state bucket (us-west-2)',
      'SKIP  api gateway logging role (us-west-2)',
      'PASS  docker (dev)',
      'SKIP  aurora (dev)',
      'SKIP  bedrock (dev)',
    ]);
    expect(stdout).toContain('FAIL  aws credentials (us-west-2): no usable AWS credentials: CredentialsProviderError: ');
    expect(stdout).toContain('FAIL  state bucket (us-west-2): FABLE_STATE_BUCKET is not set');
    expect(lines.at(-2)).toBe(
      '2 passed, 0 warned, 2 failed, 3 skipped: fix each FAIL above, then run `npm run doctor` again before `cdktf deploy`',
    );
    expect(box.calls()).toEqual(['terraform version -json', 'docker info --format {{json .}}']);
    expect(stderr).toBe('');
    expect(code).toBe(1);
  });

  test('--help exits 0', async () => {
    const { code, stdout } = await runScript('doctor', ['--help'], { env: { ...box.env, PATH: `${BIN}:/usr/bin:/bin`, HOME: box.root } });
    expect(stdout.startsWith('Usage: npm run doctor -- [--stage <name>]... [--region <region>]\n')).toBe(true);
    expect(code).toBe(0);
  });
});
