import { fitSections, fixed, type Section } from '../../../scripts/terraform-plan/truncate';

const section = (name: string, count: number, rank: number): Section => ({
  head: `[${name}]`,
  items: Array.from({ length: count }, (_, index) => `${name}${index};`),
  tail: `[/${name}]`,
  rank,
  omitted: (dropped) => `(-${dropped})`,
});

describe('fitSections', () => {
  const sections = [fixed('HEAD '), section('a', 5, 2), section('b', 5, 1)];
  const full = 'HEAD [a]a0;a1;a2;a3;a4;[/a][b]b0;b1;b2;b3;b4;[/b]';

  test('keeps everything when it fits', () => {
    expect(fitSections(sections, full.length)).toBe(full);
  });

  test('drops items from the end of the lowest-ranked section first, with the note', () => {
    // Dropping 3 items (9 bytes) for a 4-byte note saves the 5 bytes needed.
    expect(fitSections(sections, full.length - 5)).toBe('HEAD [a]a0;a1;a2;a3;a4;[/a][b]b0;b1;(-3)[/b]');
  });

  test('moves on to the next section once the lowest is empty', () => {
    const text = fitSections(sections, 30);
    expect(text).toBe('HEAD [a]a0;(-4)[/a][b](-5)[/b]');
    expect(text.length).toBeLessThanOrEqual(30);
  });

  test('counts UTF-8 bytes, not UTF-16 units', () => {
    const emoji = [fixed('⚠️'), { ...section('e', 3, 0), items: ['😀', '😀', '😀'] }];
    // 15 UTF-16 units with all three emoji, but 25 bytes; 21 bytes with one.
    const text = fitSections(emoji, 21);
    expect(Buffer.byteLength(text)).toBe(21);
    expect(text).toBe('⚠️[e]😀(-2)[/e]');
  });
});
