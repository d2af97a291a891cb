import { execFile } from 'node:child_process';

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program (looked up on the PATH of the runner's environment) and never throws. */
export type RunCommand = (command: string, args: readonly string[]) => Promise<CommandResult>;

/** Exit codes as a shell reports them, so checks read one number. */
export const NOT_FOUND = 127;
export const TIMED_OUT = 124;

/** A doctor must not hang on a daemon that never answers (a stale DOCKER_HOST, for one). */
const DEFAULT_TIMEOUT_MS = 60_000;

export function commandRunner(env: NodeJS.ProcessEnv, timeoutMs = DEFAULT_TIMEOUT_MS): RunCommand {
  return (command, args) =>
    new Promise((resolve) => {
      execFile(command, [...args], { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (!error) {
          resolve({ exitCode: 0, stdout, stderr });
        } else if (error.code === 'ENOENT') {
          resolve({ exitCode: NOT_FOUND, stdout: '', stderr: `${command}: not found on PATH` });
        } else if (error.killed) {
          resolve({ exitCode: TIMED_OUT, stdout, stderr: `${command} ${args.join(' ')}: no answer within ${timeoutMs / 1000} s` });
        } else {
          resolve({ exitCode: typeof error.code === 'number' ? error.code : 1, stdout, stderr });
        }
      });
    });
}
