import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureCommand, medianOf, type RunMeasurement } from './measure';
import type { BenchRow } from './table';
import { LAMBDA_NAMES } from '../../lambdas/shared/contract';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const RUNS = 5;

/** Budgets: full synth <= 2 s, <= 300 MB, <= 4x the one-resource floor; bundling all Lambdas <= +1 s. */
const BUDGET = { wallMs: 2000, rssMb: 300, ratio: 4, bundlingMs: 1000 };

function timeScript(script: string, extraEnv: NodeJS.ProcessEnv = {}): RunMeasurement {
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: mkdtempSync(join(tmpdir(), 'fable-bench-')), ...extraEnv };
  // The node_modules/.bin first on PATH makes tsx run on the pinned Node 24, as `npm run synth` does.
  env.PATH = `${join(ROOT, 'node_modules', '.bin')}:${env.PATH ?? ''}`;
  return measureCommand(TSX, [script], env, ROOT);
}

/**
 * `npm run synth` of an unchanged tree (zips from the bundle cache) and with every Lambda
 * rebuilt (cache off), against a one-resource cdktf app built from the same dependencies.
 */
export async function run(): Promise<BenchRow[]> {
  timeScript('main.ts'); // warm the OS file cache and the bundle cache
  const warm = medianOf(RUNS, () => timeScript('main.ts'));
  const cold = medianOf(RUNS, () => timeScript('main.ts', { FABLE_BUNDLE_CACHE: 'off' }));
  const floor = medianOf(RUNS, () => timeScript('scripts/bench/fixtures/one-resource-app.ts'));
  const ratio = warm.wallMs / floor.wallMs;
  const bundlingMs = cold.wallMs - warm.wallMs;
  const ms = (v: number) => `${Math.round(v)} ms`;
  const mb = (v: number) => `${Math.round(v)} MB`;
  return [
    { group: 'synth', metric: `one-resource floor: wall (median of ${RUNS})`, value: ms(floor.wallMs) },
    { group: 'synth', metric: 'one-resource floor: peak RSS', value: mb(floor.peakRssMb) },
    { group: 'synth', metric: 'npm run synth, unchanged tree: wall', value: ms(warm.wallMs), budget: `<= ${BUDGET.wallMs} ms`, ok: warm.wallMs <= BUDGET.wallMs },
    { group: 'synth', metric: 'npm run synth, unchanged tree: peak RSS', value: mb(warm.peakRssMb), budget: `<= ${BUDGET.rssMb} MB`, ok: warm.peakRssMb <= BUDGET.rssMb },
    { group: 'synth', metric: 'npm run synth, unchanged tree / floor', value: `${ratio.toFixed(2)}x`, budget: `<= ${BUDGET.ratio}x`, ok: ratio <= BUDGET.ratio },
    { group: 'synth', metric: 'npm run synth, every Lambda rebuilt: wall', value: ms(cold.wallMs), budget: `<= ${BUDGET.wallMs + BUDGET.bundlingMs} ms`, ok: cold.wallMs <= BUDGET.wallMs + BUDGET.bundlingMs },
    { group: 'synth', metric: 'npm run synth, every Lambda rebuilt: peak RSS', value: mb(cold.peakRssMb), budget: `<= ${BUDGET.rssMb} MB`, ok: cold.peakRssMb <= BUDGET.rssMb },
    { group: 'synth', metric: `rebuilding all ${LAMBDA_NAMES.length} Lambdas adds (esbuild + zip)`, value: ms(bundlingMs), budget: `<= ${BUDGET.bundlingMs} ms`, ok: bundlingMs <= BUDGET.bundlingMs },
  ];
}
