/**
 * Doctor test harness: a temp dir with the stub `terraform` and `docker` executables on PATH (the
 * real command runner finds them there), a stand-in for /proc/sys/fs/binfmt_misc, and the stage
 * settings the checks receive.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readSettings, type StageSettings } from '../../scripts/doctor/settings';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
const STUBS = join(__dirname, 'stubs');
const SYSTEM_PATH = '/usr/bin:/bin';

export const ACCOUNT = '123456789012';
export const CALLER_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/AdministratorAccess/dev@example.com`;
export const IDENTITY = { account: ACCOUNT, arn: CALLER_ARN, partition: 'aws' };

/** What `docker info --format '{{json .}}'` prints (the fields the doctor reads, and a few more). */
export function dockerInfo(architecture: string, context = 'default'): string {
  return JSON.stringify({
    ServerVersion: '28.2.2',
    OSType: 'linux',
    OperatingSystem: 'Ubuntu 24.04.3 LTS',
    Architecture: architecture,
    ClientInfo: { Version: '28.2.2', Context: context, Os: 'linux', Arch: 'amd64' },
  });
}

/** The binfmt_misc entry tonistiigi/binfmt registers for arm64. */
export const QEMU_AARCH64_ENTRY = [
  'enabled',
  'interpreter /usr/bin/qemu-aarch64',
  'flags: POCF',
  'offset 0',
  'magic 7f454c460201010000000000000000000200b700',
  'mask ffffffffffffff00fffffffffffffffffeffffff',
  '',
].join('\n');

export class Sandbox {
  readonly root = mkdtempSync(join(tmpdir(), 'fable-doctor-'));
  readonly binDir = join(this.root, 'bin');
  readonly binfmtDir = join(this.root, 'binfmt_misc');
  readonly logFile = join(this.root, 'stub.log');
  env: Record<string, string>;

  constructor() {
    mkdirSync(this.binDir);
    mkdirSync(this.binfmtDir);
    writeFileSync(this.logFile, '');
    this.install('terraform');
    this.install('docker');
    this.env = {
      PATH: `${this.binDir}:${SYSTEM_PATH}`,
      STUB_LOG: this.logFile,
      STUB_TERRAFORM_VERSION: '1.11.4',
      STUB_DOCKER_INFO: dockerInfo('aarch64'),
    };
  }

  /** Puts stub `stub` on PATH as `name`. */
  install(stub: 'terraform' | 'docker', name: string = stub): void {
    copyFileSync(join(STUBS, stub), join(this.binDir, name));
    chmodSync(join(this.binDir, name), 0o755);
  }

  uninstall(name: string): void {
    rmSync(join(this.binDir, name));
  }

  writeBinfmt(entry: string, content: string): void {
    writeFileSync(join(this.binfmtDir, entry), content);
  }

  /** The stubs' invocations, one `program args` line each. */
  calls(): string[] {
    return readFileSync(this.logFile, 'utf8').split('\n').filter(Boolean);
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The dev stage as the doctor reads it from src/config.ts, with some fields replaced. */
export function devStage(overrides: Partial<StageSettings> = {}): StageSettings {
  const [dev] = readSettings({ env: {}, projectDir: PROJECT_ROOT, stageFlags: ['dev'] }).stages;
  return { ...dev, ...overrides };
}
