import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandRunner, NOT_FOUND, TIMED_OUT } from '../../../scripts/doctor/command';

describe('command runner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fable-doctor-command-'));
  const env = { PATH: `${dir}:/usr/bin:/bin` };
  const script = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('finds the program on the PATH of the environment it was given and returns its output and exit code', async () => {
    script('speak', 'echo "out $*"; echo err >&2; exit 3');
    await expect(commandRunner(env)('speak', ['a', 'b'])).resolves.toEqual({ exitCode: 3, stdout: 'out a b\n', stderr: 'err\n' });
  });

  test('reports a program missing from PATH as exit code 127', async () => {
    await expect(commandRunner(env)('absent-program', [])).resolves.toEqual({
      exitCode: NOT_FOUND,
      stdout: '',
      stderr: 'absent-program: not found on PATH',
    });
  });

  test('stops a program that does not answer in time: exit code 124', async () => {
    script('hang', 'sleep 5');
    const result = await commandRunner(env, 200)('hang', ['--forever']);
    expect(result).toEqual({ exitCode: TIMED_OUT, stdout: '', stderr: 'hang --forever: no answer within 0.2 s' });
  });
});
