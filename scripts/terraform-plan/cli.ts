import { writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { CliError, UsageError } from './errors';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
/** Changes found (destructive changes for plan-summary, drift for drift-check); the report is still written. */
export const EXIT_CHANGES = 2;

/** Runs a CLI's main function and turns a CliError into a message on stderr and exit code 1. */
export function runCli(name: string, usage: string, main: (argv: string[]) => number): void {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n${error instanceof UsageError ? `\n${usage}` : ''}`);
    process.exitCode = EXIT_ERROR;
  }
}

export function parseCliArgs<Options extends ParseArgsOptionsConfig>(argv: string[], options: Options) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export interface PlanInput {
  /** The plan JSON to read; absent when only a stack was given. */
  file?: string;
  /** Names the stack in titles and in the hidden marker. */
  stack: string;
}

/** Reads `[<plan.json>] [--stack <name>]`: at least one of the two, at most one file. */
export function planInput(positionals: readonly string[], stack: string | undefined): PlanInput {
  if (positionals.length > 1) throw new UsageError(`expected at most one plan JSON file, got ${positionals.length}`);
  const [file] = positionals;
  if (stack !== undefined) {
    // The name becomes a path segment and part of an HTML comment: keep it to what stack ids use.
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(stack)) throw new UsageError(`invalid stack name "${stack}"`);
    return { file, stack };
  }
  if (file === undefined) throw new UsageError('give a plan JSON file or --stack <name>');
  // As in cdktf.out/stacks/<stack>/plan.json, a plan is named after its directory.
  return { file, stack: basename(dirname(resolve(file))).replace(/[^A-Za-z0-9_.-]/g, '_') };
}

/** Writes to the file if one is given, else to stdout. */
export function writeOutput(text: string, file: string | undefined): void {
  if (file === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw new CliError(`cannot write ${file}: ${(error as Error).message}`);
  }
}
