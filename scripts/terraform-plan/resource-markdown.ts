import type { AttributeChange } from './attributes';
import type { Entry } from './entries';
import { code, formatPath, formatValue } from './format';
import type { Section } from './truncate';

/** How the table and the full list name an entry's action (e.g. "deleted outside Terraform" for drift). */
export type Label = (entry: Entry) => string;

/** Values in table cells are cut short; the full list shows more, and the plan itself shows everything. */
const CELL_VALUE_LENGTH = 60;
const DETAIL_VALUE_LENGTH = 500;
const ATTRIBUTES_PER_ROW = 6;

/** One row per entry: resource, action, and the first few changed attributes. */
export function changeTable(entries: readonly Entry[], label: Label, rank: number): Section {
  return {
    head: '| Resource | Action | Changed attributes |\n|---|---|---|\n',
    items: entries.map((entry) => `| ${code(entry.address)} | ${label(entry)} | ${attributeCell(entry)} |\n`),
    tail: '\n',
    rank,
    omitted: (count) => `\n_… ${count} more ${count === 1 ? 'row' : 'rows'} left out to fit GitHub's size limit._\n`,
  };
}

/** The full list inside `<details>`: every changed attribute of every entry. */
export function changeDetails(entries: readonly Entry[], label: Label, summary: string, rank: number): Section {
  return {
    head: `<details><summary>${summary}</summary>\n\n`,
    items: entries.map((entry) => detailItem(entry, label)),
    tail: '</details>\n\n',
    rank,
    omitted: (count) => `_… ${count} more ${count === 1 ? 'resource' : 'resources'} left out to fit GitHub's size limit._\n\n`,
  };
}

function attributeCell(entry: Entry): string {
  // The whole object goes (or leaves the state); listing its old attributes would only add noise.
  if (entry.action === 'delete' || entry.action === 'forget') return '—';
  const shown = entry.attributes.slice(0, ATTRIBUTES_PER_ROW).map((attribute) => {
    const path = code(formatPath(attribute.path));
    const after = code(formatValue(attribute.after, CELL_VALUE_LENGTH));
    const text = entry.action === 'create' ? `${path} = ${after}` : `${path}: ${code(formatValue(attribute.before, CELL_VALUE_LENGTH))} → ${after}`;
    return attribute.forcesReplacement ? `${text} **(forces replacement)**` : text;
  });
  const hidden = entry.attributes.length - shown.length;
  if (hidden > 0) shown.push(`… and ${hidden} more`);
  return shown.join('<br>') || '—';
}

function detailItem(entry: Entry, label: Label): string {
  const reason = entry.reason ? ` (${code(entry.reason)})` : '';
  const heading = `${code(entry.address)} — **${label(entry)}**${reason}\n\n`;
  if (entry.action === 'forget') return `${heading}_Removed from the state; the object itself is kept._\n\n`;
  return `${heading}\`\`\`diff\n${entry.attributes.map(detailLine).join('\n')}\n\`\`\`\n\n`;
}

/** Terraform's plan notation: `+` added, `-` removed, `~` changed. */
function detailLine(attribute: AttributeChange): string {
  const path = formatPath(attribute.path);
  const before = formatValue(attribute.before, DETAIL_VALUE_LENGTH);
  const after = formatValue(attribute.after, DETAIL_VALUE_LENGTH);
  let line: string;
  if (attribute.before == null) line = `+ ${path} = ${after}`;
  else if (attribute.after == null) line = `- ${path} = ${before}`;
  else line = `~ ${path}: ${before} → ${after}`;
  return attribute.forcesReplacement ? `${line}  # forces replacement` : line;
}
