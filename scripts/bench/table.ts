/** One row of the `npm run bench` table. */
export interface BenchRow {
  readonly group: string;
  readonly metric: string;
  readonly value: string;
  /** The budget it is held to, when there is one (e.g. "<= 2 s"). */
  readonly budget?: string;
  readonly ok?: boolean;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function renderTable(rows: readonly BenchRow[]): string {
  const header = ['group', 'metric', 'value', 'budget', 'ok'];
  const cells = rows.map((r) => [r.group, r.metric, r.value, r.budget ?? '', r.ok === undefined ? '' : r.ok ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}
