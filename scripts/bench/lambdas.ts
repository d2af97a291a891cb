import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleLambdas } from '../../src/bundling/lambda-bundle';
import { LAMBDA_NAMES } from '../../lambdas/shared/contract';
import { loadBundle } from '../local/load-bundle';
import { median, type BenchRow } from './table';

const RUNS = 5;
/** Regression tripwires, well above today's numbers: a bundle that suddenly drags in a whole SDK trips them. */
const BUDGET = { zipKiB: 1024, loadMs: 1000 };

/**
 * Per Lambda: the deployed zip's size and its cold module-load time (a fresh Node 24 process
 * importing the unzipped bundle, timed inside the process; median of RUNS), i.e. the part of a
 * cold start FABLE's own code and bundling decide.
 */
export async function run(): Promise<BenchRow[]> {
  const bundles = await bundleLambdas(mkdtempSync(join(tmpdir(), 'fable-bench-lambdas-')));
  const rows: BenchRow[] = [];
  for (const name of LAMBDA_NAMES) {
    const bundle = bundles.get(name)!;
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) samples.push((await loadBundle(bundle)).loadMs);
    const zipKiB = bundle.sizeBytes / 1024;
    const loadMs = median(samples);
    rows.push(
      {
        group: 'lambdas',
        metric: `${name}: zip size (${bundle.format})`,
        value: `${zipKiB.toFixed(0)} KiB`,
        budget: `<= ${BUDGET.zipKiB} KiB`,
        ok: zipKiB <= BUDGET.zipKiB,
      },
      {
        group: 'lambdas',
        metric: `${name}: cold module load (median of ${RUNS})`,
        value: `${loadMs.toFixed(0)} ms`,
        budget: `<= ${BUDGET.loadMs} ms`,
        ok: loadMs <= BUDGET.loadMs,
      },
    );
  }
  return rows;
}
