import { spawn } from 'node:child_process';
import { delimiter, join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '../..');
const BIN = join(PROJECT_ROOT, 'node_modules', '.bin');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs scripts/<name>.ts as the npm script does (tsx on the project's pinned Node) and collects its output. */
export function runScript(name: 'plan-summary' | 'drift-check' | 'image-tag', args: string[], cwd = PROJECT_ROOT): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(join(BIN, 'tsx'), [join(PROJECT_ROOT, 'scripts', `${name}.ts`), ...args], {
      cwd,
      env: { ...process.env, PATH: `${BIN}${delimiter}${process.env.PATH ?? ''}`, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
