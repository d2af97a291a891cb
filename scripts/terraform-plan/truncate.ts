/** GitHub rejects issue and pull-request comment bodies longer than this. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/**
 * A part of a Markdown document. When the document is too long, items are dropped from the end
 * of the lowest-ranked sections first and replaced by the `omitted` note.
 */
export interface Section {
  head: string;
  items: readonly string[];
  tail: string;
  rank: number;
  /** Must keep the Markdown valid where it lands (e.g. after a table, so it starts with a blank line). */
  omitted: (count: number) => string;
}

/** A section that is always kept whole. */
export function fixed(text: string): Section {
  return { head: text, items: [], tail: '', rank: Number.POSITIVE_INFINITY, omitted: () => '' };
}

/**
 * Joins the sections, dropping as few items as needed to stay within `limit`. Sizes are counted in
 * UTF-8 bytes: GitHub counts characters, and a text never has more characters than bytes.
 */
export function fitSections(sections: readonly Section[], limit: number): string {
  const size = (text: string) => Buffer.byteLength(text);
  const prefixSizes = sections.map((section) => {
    const sums = [0];
    for (const item of section.items) sums.push(sums[sums.length - 1] + size(item));
    return sums;
  });
  const sectionSize = (index: number, kept: number) => {
    const section = sections[index];
    const dropped = section.items.length - kept;
    return size(section.head) + prefixSizes[index][kept] + (dropped > 0 ? size(section.omitted(dropped)) : 0) + size(section.tail);
  };

  const kept = sections.map((section) => section.items.length);
  let total = kept.reduce((sum, count, index) => sum + sectionSize(index, count), 0);
  const byRank = sections.map((_, index) => index).sort((a, b) => sections[a].rank - sections[b].rank);
  for (const index of byRank) {
    if (total <= limit) break;
    const others = total - sectionSize(index, kept[index]);
    while (kept[index] > 0 && others + sectionSize(index, kept[index]) > limit) kept[index] -= 1;
    total = others + sectionSize(index, kept[index]);
  }

  return sections
    .map((section, index) => {
      const dropped = section.items.length - kept[index];
      return section.head + section.items.slice(0, kept[index]).join('') + (dropped > 0 ? section.omitted(dropped) : '') + section.tail;
    })
    .join('');
}
