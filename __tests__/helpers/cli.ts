import { spawn } from 'node:child_process';
import { delimiter, join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '../..');
export const BIN = join(PROJECT_ROOT, 'node_modules', '.bin');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ScriptOptions {
  readonly cwd?: string;
  /** The child's whole environment; by default this process's, with the project's binaries first on PATH. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs scripts/<name>.ts as the npm script does (tsx on the project's pinned Node) and collects its output. */
export function runScript(name: 'plan-summary' | 'drift-check' | 'image-tag' | 'doctor', args: string[], options: ScriptOptions = {}): Promise<CliResult> {
  const env = options.env ?? { ...process.env, PATH: `${BIN}${delimiter}${process.env.PATH ?? ''}`, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
  return new Promise((done, fail) => {
    const child = spawn(join(BIN, 'tsx'), [join(PROJECT_ROOT, 'scripts', `${name}.ts`), ...args], { cwd: options.cwd ?? PROJECT_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
