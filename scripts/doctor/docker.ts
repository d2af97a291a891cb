import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NOT_FOUND, type RunCommand } from './command';
import { fail, firstLine, pass, type CheckResult } from './result';
import type { BuildArchitecture, StageSettings } from './settings';

export interface DockerDeps {
  readonly run: RunCommand;
  /** /proc/sys/fs/binfmt_misc on Linux. */
  readonly binfmtDir: string;
  /** process.arch: used when `docker info` reports no architecture. */
  readonly hostArch: string;
}

type Platform = 'arm64' | 'amd64';

const PLATFORMS: Record<BuildArchitecture, Platform> = { ARM64: 'arm64', X86_64: 'amd64' };
/** The binfmt_misc entries tonistiigi/binfmt (and distributions' qemu-user packages) register. */
const QEMU_ENTRIES: Record<Platform, string> = { arm64: 'qemu-aarch64', amd64: 'qemu-x86_64' };

const PREBUILT_FIX =
  'or build and push the image yourself and set FABLE_BUILD_IMAGE_TAG: README, "Build container (`docker/build`)" > "Using a prebuilt image tag"';

function normalizeArch(arch: string): string {
  if (arch === 'x86_64' || arch === 'x64' || arch === 'amd64') return 'amd64';
  if (arch === 'aarch64' || arch === 'arm64') return 'arm64';
  return arch;
}

/** A registered emulator works in build containers only with the F (fix-binary) flag. */
async function binfmtEmulation(binfmtDir: string, platform: Platform): Promise<{ via?: string; note: string }> {
  const entry = join(binfmtDir, QEMU_ENTRIES[platform]);
  let text: string;
  try {
    text = await readFile(entry, 'utf8');
  } catch {
    return { note: `no ${entry}` };
  }
  const lines = text.split('\n');
  const flags =
    lines
      .find((line) => line.startsWith('flags:'))
      ?.slice('flags:'.length)
      .trim() ?? '';
  if (lines[0] !== 'enabled') return { note: `${entry} is disabled` };
  if (!flags.includes('F')) return { note: `${entry} lacks the F (fix-binary) flag, so containers cannot load its interpreter` };
  return { via: `binfmt_misc ${QEMU_ENTRIES[platform]}`, note: '' };
}

/** The platforms of the daemon's own builder (named after the docker context), which the docker provider builds with. */
async function builderEmulation(run: RunCommand, context: string, platform: Platform): Promise<{ via?: string; note: string }> {
  const result = await run('docker', ['buildx', 'inspect', '--bootstrap', context]);
  if (result.exitCode !== 0) return { note: `\`docker buildx inspect\` failed: ${firstLine(result.stderr)}` };
  const platforms = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('Platforms:'))
    .flatMap((line) => line.slice('Platforms:'.length).split(','))
    .map((entry) => entry.trim().replace(/\*$/, ''))
    .filter(Boolean);
  if (platforms.includes(`linux/${platform}`)) return { via: `buildx builder ${context} lists linux/${platform}`, note: '' };
  return { note: `buildx builder ${context} lists ${platforms.join(', ') || 'no platforms'}` };
}

export async function checkDocker(deps: DockerDeps, stage: StageSettings): Promise<CheckResult> {
  const name = `docker (${stage.stage})`;
  if (stage.prebuiltImageTag) {
    return pass(name, `not needed: FABLE_BUILD_IMAGE_TAG=${stage.prebuiltImageTag} uses the prebuilt build image`);
  }
  const platform = PLATFORMS[stage.buildArchitecture];
  const daemonFix = [
    'start the Docker daemon (Docker Desktop, or `sudo systemctl start docker`) and make `docker info` work for this user (DOCKER_HOST, `docker context use`)',
    PREBUILT_FIX,
  ];
  const info = await deps.run('docker', ['info', '--format', '{{json .}}']);
  const why = `the stage builds its linux/${platform} build image locally, and the docker provider connects to the daemon on every plan`;
  if (info.exitCode === NOT_FOUND)
    return fail(name, `docker is not on PATH: ${why}`, ['install Docker Engine or Docker Desktop', ...daemonFix]);
  if (info.exitCode !== 0) return fail(name, `the Docker daemon is not reachable (${firstLine(info.stderr)}): ${why}`, daemonFix);

  let daemon: { ServerVersion?: string; Architecture?: string; ClientInfo?: { Context?: string } };
  try {
    daemon = JSON.parse(info.stdout) as typeof daemon;
  } catch {
    return fail(name, `\`docker info\` printed no JSON: ${firstLine(info.stdout)}`, daemonFix);
  }
  const daemonArch = normalizeArch(daemon.Architecture || deps.hostArch);
  const found = `daemon ${daemon.ServerVersion ?? '(unknown version)'} on linux/${daemonArch}`;
  if (daemonArch === platform) return pass(name, `${found} builds the linux/${platform} build image natively`);

  const binfmt = await binfmtEmulation(deps.binfmtDir, platform);
  if (binfmt.via) return pass(name, `${found} builds the linux/${platform} build image through emulation (${binfmt.via})`);
  const builder = await builderEmulation(deps.run, daemon.ClientInfo?.Context || 'default', platform);
  if (builder.via) return pass(name, `${found} builds the linux/${platform} build image through emulation (${builder.via})`);
  return fail(
    name,
    `${found} cannot run linux/${platform} programs, so the image build fails with "exec format error": ${binfmt.note}; ${builder.note}`,
    [
      `register emulation once per boot: docker run --privileged --rm tonistiigi/binfmt --install ${platform}`,
      `or deploy from a linux/${platform} host`,
      PREBUILT_FIX,
    ],
  );
}
