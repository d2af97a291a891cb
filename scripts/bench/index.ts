import { renderTable, type BenchRow } from './table';
import * as synth from './synth';
import * as lambdas from './lambdas';
import * as chatStream from './chat-stream';
import * as memorySearch from './memory-search';

/** Each benchmark module measures one concern and returns rows; this prints one table. */
const BENCHMARKS: { name: string; run: () => Promise<BenchRow[]> }[] = [
  { name: 'synth', run: synth.run },
  { name: 'lambdas', run: lambdas.run },
  { name: 'chat-stream', run: chatStream.run },
  { name: 'memory-search', run: memorySearch.run },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const rows: BenchRow[] = [];
  for (const bench of BENCHMARKS) {
    if (only.length > 0 && !only.includes(bench.name)) continue;
    process.stderr.write(`running ${bench.name}...\n`);
    rows.push(...(await bench.run()));
  }
  console.log(renderTable(rows));
  if (rows.some((r) => r.ok === false)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
