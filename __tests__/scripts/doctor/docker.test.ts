import { commandRunner } from '../../../scripts/doctor/command';
import { checkDocker } from '../../../scripts/doctor/docker';
import { exitCode, formatResult } from '../../../scripts/doctor/report';
import { devStage, dockerInfo, QEMU_AARCH64_ENTRY, Sandbox } from '../../helpers/doctor-harness';

const PREBUILT = 'README, "Build container (`docker/build`)" > "Using a prebuilt image tag"';

describe('docker check (stub docker on PATH, binfmt_misc stand-in)', () => {
  let box: Sandbox;
  beforeEach(() => (box = new Sandbox()));
  afterEach(() => box.cleanup());

  const check = (stage = devStage(), hostArch = 'x64') =>
    checkDocker({ run: commandRunner(box.env), binfmtDir: box.binfmtDir, hostArch }, stage);

  test('the dev stage builds an ARM64 image', () => {
    expect(devStage().buildArchitecture).toBe('ARM64');
  });

  test('passes an arm64 daemon for the ARM64 image: native build, no emulation needed', async () => {
    const result = await check();
    expect(formatResult(result)).toBe('PASS  docker (dev): daemon 28.2.2 on linux/arm64 builds the linux/arm64 build image natively\n');
    expect(box.calls()).toEqual(['docker info --format {{json .}}']);
    expect(exitCode([result])).toBe(0);
  });

  test('passes without Docker when FABLE_BUILD_IMAGE_TAG selects the prebuilt image', async () => {
    box.uninstall('docker');
    const result = await check(devStage({ prebuiltImageTag: '3f9a0c1e' }));
    expect(formatResult(result)).toBe('PASS  docker (dev): not needed: FABLE_BUILD_IMAGE_TAG=3f9a0c1e uses the prebuilt build image\n');
    expect(box.calls()).toEqual([]);
  });

  test('passes an amd64 daemon with qemu-aarch64 registered (tonistiigi/binfmt)', async () => {
    box.env.STUB_DOCKER_INFO = dockerInfo('x86_64');
    box.writeBinfmt('qemu-aarch64', QEMU_AARCH64_ENTRY);
    const result = await check();
    expect(result.status).toBe('PASS');
    expect(result.detail).toBe(
      'daemon 28.2.2 on linux/amd64 builds the linux/arm64 build image through emulation (binfmt_misc qemu-aarch64)',
    );
  });

  test("passes an amd64 daemon whose own builder lists linux/arm64 (Docker Desktop's VM registers QEMU)", async () => {
    box.env.STUB_DOCKER_INFO = dockerInfo('x86_64', 'desktop-linux');
    box.env.STUB_BUILDX_PLATFORMS = 'linux/amd64, linux/amd64/v2, linux/arm64, linux/riscv64, linux/386, linux/arm/v7';
    const result = await check();
    expect(result.detail).toBe(
      'daemon 28.2.2 on linux/amd64 builds the linux/arm64 build image through emulation (buildx builder desktop-linux lists linux/arm64)',
    );
    // The builder inspected is the daemon's own (named after the context), the one the docker provider builds with.
    expect(box.calls()).toEqual(['docker info --format {{json .}}', 'docker buildx inspect --bootstrap desktop-linux']);
  });

  test('fails an amd64 host without arm64 emulation, with the three ways out', async () => {
    box.env.STUB_DOCKER_INFO = dockerInfo('x86_64');
    box.env.STUB_BUILDX_PLATFORMS = 'linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/386';
    const result = await check();
    expect(formatResult(result)).toBe(
      [
        `FAIL  docker (dev): daemon 28.2.2 on linux/amd64 cannot run linux/arm64 programs, so the image build fails with "exec format error": no ${box.binfmtDir}/qemu-aarch64; buildx builder default lists linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/386`,
        '      fix: register emulation once per boot: docker run --privileged --rm tonistiigi/binfmt --install arm64',
        '           or deploy from a linux/arm64 host',
        `           or build and push the image yourself and set FABLE_BUILD_IMAGE_TAG: ${PREBUILT}`,
        '',
      ].join('\n'),
    );
    expect(exitCode([result])).toBe(1);
  });

  test('does not trust a qemu entry without the F flag: build containers cannot load its interpreter', async () => {
    box.env.STUB_DOCKER_INFO = dockerInfo('x86_64');
    box.writeBinfmt('qemu-aarch64', QEMU_AARCH64_ENTRY.replace('flags: POCF', 'flags: OC'));
    const result = await check();
    expect(result.status).toBe('FAIL');
    expect(result.detail).toContain(
      `${box.binfmtDir}/qemu-aarch64 lacks the F (fix-binary) flag, so containers cannot load its interpreter`,
    );
    expect(result.detail).toContain('`docker buildx inspect` failed: docker: unknown command: docker buildx');
  });

  test('does not trust a disabled qemu entry', async () => {
    box.env.STUB_DOCKER_INFO = dockerInfo('x86_64');
    box.writeBinfmt('qemu-aarch64', QEMU_AARCH64_ENTRY.replace('enabled', 'disabled'));
    const result = await check();
    expect(result.status).toBe('FAIL');
    expect(result.detail).toContain(`${box.binfmtDir}/qemu-aarch64 is disabled`);
  });

  test('an X86_64 image on an arm64 daemon needs qemu-x86_64', async () => {
    const stage = devStage({ buildArchitecture: 'X86_64' });
    expect((await check(stage)).fix[0]).toBe(
      'register emulation once per boot: docker run --privileged --rm tonistiigi/binfmt --install amd64',
    );
    box.writeBinfmt('qemu-x86_64', QEMU_AARCH64_ENTRY.replace('qemu-aarch64', 'qemu-x86_64'));
    expect((await check(stage)).detail).toBe(
      'daemon 28.2.2 on linux/arm64 builds the linux/amd64 build image through emulation (binfmt_misc qemu-x86_64)',
    );
  });

  test('uses the host architecture when the daemon reports none', async () => {
    box.env.STUB_DOCKER_INFO = JSON.stringify({ ServerVersion: '28.2.2', ClientInfo: { Context: 'default' } });
    expect((await check(devStage(), 'arm64')).detail).toBe('daemon 28.2.2 on linux/arm64 builds the linux/arm64 build image natively');
  });

  test('fails when the daemon is not reachable: every plan of the stage needs it', async () => {
    box.env.STUB_DOCKER_INFO = JSON.stringify({ ServerVersion: '', ClientInfo: { Context: 'default' } });
    box.env.STUB_DOCKER_ERROR = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';
    const result = await check();
    expect(formatResult(result)).toBe(
      [
        'FAIL  docker (dev): the Docker daemon is not reachable (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?): the stage builds its linux/arm64 build image locally, and the docker provider connects to the daemon on every plan',
        '      fix: start the Docker daemon (Docker Desktop, or `sudo systemctl start docker`) and make `docker info` work for this user (DOCKER_HOST, `docker context use`)',
        `           or build and push the image yourself and set FABLE_BUILD_IMAGE_TAG: ${PREBUILT}`,
        '',
      ].join('\n'),
    );
    expect(exitCode([result])).toBe(1);
  });

  test('fails when docker is not installed', async () => {
    box.uninstall('docker');
    const result = await check();
    expect(result.status).toBe('FAIL');
    expect(result.detail).toMatch(/^docker is not on PATH: /);
    expect(result.fix[0]).toBe('install Docker Engine or Docker Desktop');
  });

  test('fails when `docker info` prints something other than JSON', async () => {
    box.env.STUB_DOCKER_INFO = 'Client: Docker Engine - Community';
    const result = await check();
    expect(result.status).toBe('FAIL');
    expect(result.detail).toBe('`docker info` printed no JSON: Client: Docker Engine - Community');
  });
});
