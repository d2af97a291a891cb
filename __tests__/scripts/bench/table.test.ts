import { median, percentile, renderTable } from '../../../scripts/bench/table';

describe('bench statistics and table', () => {
  it('takes the median of odd and even samples regardless of order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('takes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 95)).toBe(95);
    expect(percentile([7], 95)).toBe(7);
  });

  it('renders aligned Markdown rows and marks rows over budget', () => {
    const table = renderTable([
      { group: 'synth', metric: 'wall', value: '1922 ms', budget: '<= 2000 ms', ok: true },
      { group: 'synth', metric: 'rebuild adds', value: '1801 ms', budget: '<= 1000 ms', ok: false },
      { group: 'lambdas', metric: 'zip size', value: '243 KiB' },
    ]).split('\n');
    expect(table[0]).toBe('| group   | metric       | value   | budget     | ok  |');
    expect(table[1]).toBe('|---------|--------------|---------|------------|-----|');
    expect(table[2]).toBe('| synth   | wall         | 1922 ms | <= 2000 ms | yes |');
    expect(table[3]).toBe('| synth   | rebuild adds | 1801 ms | <= 1000 ms | NO  |');
    expect(table[4]).toBe('| lambdas | zip size     | 243 KiB |            |     |');
  });
});
