import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleLambdas } from '../../src/bundling/lambda-bundle';
import { measureCommand, medianOf, type RunMeasurement } from './measure';
import type { BenchRow } from './table';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const RUNS = 5;

/** Budgets of the foundation issue: full synth <= 2 s, <= 300 MB, <= 4x the one-resource floor; bundling <= +1 s. */
const BUDGET = { wallMs: 2000, rssMb: 300, ratio: 4, bundlingMs: 1000 };

function timeScript(script: string, extraEnv: NodeJS.ProcessEnv = {}): RunMeasurement {
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: mkdtempSync(join(tmpdir(), 'fable-bench-')), ...extraEnv };
  // The node_modules/.bin first on PATH makes tsx run on the pinned Node 24, as `npm run synth` does.
  env.PATH = `${join(ROOT, 'node_modules', '.bin')}:${env.PATH ?? ''}`;
  return measureCommand(TSX, [script], env, ROOT);
}

export async function run(): Promise<BenchRow[]> {
  const prebundled = mkdtempSync(join(tmpdir(), 'fable-bench-bundles-'));
  await bundleLambdas(prebundled);
  timeScript('main.ts'); // warm the OS file cache and the bundle cache
  const full = medianOf(RUNS, () => timeScript('main.ts'));
  const cold = medianOf(RUNS, () => timeScript('main.ts', { FABLE_BUNDLE_CACHE: 'off' }));
  const appOnly = medianOf(RUNS, () => timeScript('scripts/bench/fixtures/synth-prebundled.ts', { FABLE_BENCH_BUNDLES: prebundled }));
  const floor = medianOf(RUNS, () => timeScript('scripts/bench/fixtures/one-resource-app.ts'));
  const bundlingMs = full.wallMs - appOnly.wallMs;
  const coldBundlingMs = cold.wallMs - appOnly.wallMs;
  const ratio = full.wallMs / floor.wallMs;
  const appRatio = appOnly.wallMs / floor.wallMs;
  const ms = (v: number) => `${Math.round(v)} ms`;
  const mb = (v: number) => `${Math.round(v)} MB`;
  return [
    { group: 'synth', metric: `one-resource floor wall (median of ${RUNS})`, value: ms(floor.wallMs) },
    { group: 'synth', metric: 'one-resource floor peak RSS', value: mb(floor.peakRssMb) },
    { group: 'synth', metric: 'app synth without bundling: wall', value: ms(appOnly.wallMs), budget: `<= ${BUDGET.wallMs} ms`, ok: appOnly.wallMs <= BUDGET.wallMs },
    { group: 'synth', metric: 'app synth without bundling: peak RSS', value: mb(appOnly.peakRssMb), budget: `<= ${BUDGET.rssMb} MB`, ok: appOnly.peakRssMb <= BUDGET.rssMb },
    { group: 'synth', metric: 'app synth without bundling / floor', value: `${appRatio.toFixed(2)}x`, budget: `<= ${BUDGET.ratio}x`, ok: appRatio <= BUDGET.ratio },
    { group: 'synth', metric: 'full synth (npm run synth, unchanged tree): wall', value: ms(full.wallMs), budget: `<= ${BUDGET.wallMs + BUDGET.bundlingMs} ms`, ok: full.wallMs <= BUDGET.wallMs + BUDGET.bundlingMs },
    { group: 'synth', metric: 'full synth (unchanged tree): peak RSS', value: mb(full.peakRssMb), budget: `<= ${BUDGET.rssMb} MB`, ok: full.peakRssMb <= BUDGET.rssMb },
    { group: 'synth', metric: 'full synth (unchanged tree) / floor', value: `${ratio.toFixed(2)}x` },
    { group: 'synth', metric: 'bundling adds, unchanged tree (zips from the cache)', value: ms(bundlingMs), budget: `<= ${BUDGET.bundlingMs} ms`, ok: bundlingMs <= BUDGET.bundlingMs },
    { group: 'synth', metric: 'full synth, every Lambda rebuilt (cache off): wall', value: ms(cold.wallMs) },
    { group: 'synth', metric: 'full synth, every Lambda rebuilt: peak RSS', value: mb(cold.peakRssMb), budget: `<= ${BUDGET.rssMb} MB`, ok: cold.peakRssMb <= BUDGET.rssMb },
    { group: 'synth', metric: 'bundling adds, every Lambda rebuilt (esbuild + zip)', value: ms(coldBundlingMs) },
  ];
}
