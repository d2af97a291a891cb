import { commandRunner } from '../../../scripts/doctor/command';
import { exitCode, formatResult } from '../../../scripts/doctor/report';
import { checkTerraform } from '../../../scripts/doctor/terraform';
import { Sandbox } from '../../helpers/doctor-harness';

describe('terraform check (stub terraform on PATH, real command runner)', () => {
  let box: Sandbox;
  beforeEach(() => (box = new Sandbox()));
  afterEach(() => box.cleanup());

  const check = () => checkTerraform(commandRunner(box.env), box.env);

  test('passes Terraform 1.11.4, found by `terraform version -json`', async () => {
    const result = await check();
    expect(formatResult(result)).toBe("PASS  terraform: Terraform 1.11.4 (terraform), >= 1.10 as the S3 backend's use_lockfile needs\n");
    expect(box.calls()).toEqual(['terraform version -json']);
    expect(exitCode([result])).toBe(0);
  });

  test('passes exactly 1.10.0', async () => {
    box.env.STUB_TERRAFORM_VERSION = '1.10.0';
    expect((await check()).status).toBe('PASS');
  });

  test('fails 1.9.8, which has no use_lockfile, with the install fix', async () => {
    box.env.STUB_TERRAFORM_VERSION = '1.9.8';
    const result = await check();
    expect(formatResult(result)).toBe(
      [
        "FAIL  terraform: Terraform 1.9.8 is older than 1.10, which the S3 backend's use_lockfile needs",
        '      fix: install Terraform 1.10 or newer and put it on PATH: https://developer.hashicorp.com/terraform/install',
        '           the cdktf CLI runs `terraform`, or the program named by TERRAFORM_BINARY_NAME when that is set',
        '',
      ].join('\n'),
    );
    expect(exitCode([result])).toBe(1);
  });

  test('fails when terraform is not on PATH', async () => {
    box.uninstall('terraform');
    const result = await check();
    expect(result.status).toBe('FAIL');
    expect(result.detail).toBe('terraform is not on PATH');
    expect(result.fix[0]).toContain('install Terraform 1.10 or newer');
    expect(exitCode([result])).toBe(1);
  });

  test('checks the program cdktf runs: TERRAFORM_BINARY_NAME', async () => {
    box.install('terraform', 'tofu');
    box.uninstall('terraform');
    box.env.TERRAFORM_BINARY_NAME = 'tofu';
    box.env.STUB_TERRAFORM_VERSION = '1.10.6';
    const result = await check();
    expect(result.detail).toBe("Terraform 1.10.6 (tofu), >= 1.10 as the S3 backend's use_lockfile needs");
    expect(box.calls()).toEqual(['terraform version -json']);
  });

  test('fails when terraform itself fails', async () => {
    box.env.STUB_TERRAFORM_ERROR = 'Error: Invalid CLI configuration file';
    const result = await check();
    expect(result.status).toBe('FAIL');
    expect(result.detail).toBe('`terraform version -json` failed: Error: Invalid CLI configuration file');
    expect(exitCode([result])).toBe(1);
  });
});
