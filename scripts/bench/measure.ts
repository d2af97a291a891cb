import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { median } from './table';

export interface RunMeasurement {
  readonly wallMs: number;
  readonly peakRssMb: number;
}

const GNU_TIME = '/usr/bin/time';

/**
 * Wall time and peak RSS of one command, measured by GNU time (`%e`/`%M`: the largest resident
 * set of the process tree it waited for, in KiB).
 */
export function measureCommand(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): RunMeasurement {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: install Debian's "time" package to run the benchmark.`);
  const started = process.hrtime.bigint();
  const result = spawnSync(GNU_TIME, ['-f', 'FABLE_RSS_KB=%M', command, ...args], { cwd, env, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  const rss = /FABLE_RSS_KB=(\d+)/.exec(result.stderr);
  if (!rss) throw new Error(`GNU time printed no RSS for ${command}`);
  return { wallMs, peakRssMb: Number(rss[1]) / 1024 };
}

/** Median wall time and median peak RSS over `runs` runs. */
export function medianOf(runs: number, measure: () => RunMeasurement): RunMeasurement {
  const samples = Array.from({ length: runs }, measure);
  return { wallMs: median(samples.map((s) => s.wallMs)), peakRssMb: median(samples.map((s) => s.peakRssMb)) };
}
