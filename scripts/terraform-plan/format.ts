import { Masked, type Path } from './attributes';
import { isRecord } from './plan';

/** Attribute names that Terraform prints bare; anything else is quoted, as in `tags["aws:env"]`. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function formatPath(path: Path): string {
  return path
    .map((step, index) => {
      if (typeof step === 'number') return `[${step}]`;
      if (!IDENTIFIER.test(step)) return `[${JSON.stringify(step)}]`;
      return index === 0 ? step : `.${step}`;
    })
    .join('');
}

/** One line, close to Terraform's notation: strings quoted (so newlines stay escaped), masked values bare. */
export function formatValue(value: unknown, maxLength: number): string {
  return shorten(render(value), maxLength);
}

function render(value: unknown): string {
  if (value instanceof Masked) return value.label;
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`;
  if (isRecord(value)) {
    const entries = Object.entries(value).map(([key, item]) => `${IDENTIFIER.test(key) ? key : JSON.stringify(key)} = ${render(item)}`);
    return `{${entries.join(', ')}}`;
  }
  return JSON.stringify(value);
}

export function shorten(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  // Never cut a surrogate pair in half: a lone surrogate would turn into a replacement character.
  return `${text.slice(0, maxLength - 1).replace(/[\uD800-\uDBFF]$/, '')}…`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Inline code that is safe anywhere, table cells included. Backtick spans break on values that
 * contain backticks, and GFM splits table cells on `|` before it parses inline HTML, hence the entity.
 */
export function code(text: string): string {
  return `<code>${escapeHtml(text).replace(/\|/g, '&#124;')}</code>`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
