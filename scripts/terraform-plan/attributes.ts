import { isDeepStrictEqual } from 'node:util';
import { isRecord, type Change } from './plan';

/** Stands in for a value that must not or cannot be shown, labelled the way Terraform's own plan output labels it. */
export class Masked {
  constructor(readonly label: string) {}
}
export const SENSITIVE = new Masked('(sensitive value)');
export const UNKNOWN = new Masked('(known after apply)');

export type Path = Array<string | number>;

/** One changed leaf attribute; `before` / `after` are safe to show (sensitive and unknown parts are Masked). */
export interface AttributeChange {
  path: Path;
  before: unknown;
  after: unknown;
  forcesReplacement: boolean;
}

/** Changes collected by the walk; which of them force a replacement is decided afterwards. */
type Found = Array<Omit<AttributeChange, 'forcesReplacement'>>;

/** Both sides of a value at the same path: the value and its sensitive / unknown masks. */
interface Side {
  value: unknown;
  sensitive: unknown;
  unknown: unknown;
}

/**
 * The leaf attributes whose value changes, much as Terraform's plan output lists them: objects,
 * equal-length lists and JSON-document strings are compared element by element, lists that grew
 * or shrank by the elements added and removed, anything else as a whole.
 */
export function attributeChanges(change: Change): AttributeChange[] {
  const found: Found = [];
  walk(
    [],
    { value: change.before, sensitive: change.before_sensitive, unknown: false },
    { value: change.after, sensitive: change.after_sensitive, unknown: change.after_unknown },
    found,
  );
  const replacePaths = change.replace_paths ?? [];
  return found.map((attribute) => ({
    ...attribute,
    // A replace path may point inside a leaf we compared whole, or at a parent of it.
    forcesReplacement: replacePaths.some((path) => isPrefix(path, attribute.path) || isPrefix(attribute.path, path)),
  }));
}

function walk(path: Path, before: Side, after: Side, found: Found): void {
  const opaque = before.sensitive === true || after.sensitive === true || after.unknown === true;
  if (!opaque && isObjectPair(before.value, after.value)) {
    // Terraform leaves unknown attributes out of `after`, so their names come from the unknown mask.
    const keys = new Set([...keysOf(before.value), ...keysOf(after.value), ...keysOf(after.unknown)]);
    for (const key of [...keys].sort()) walk([...path, key], child(before, key), child(after, key), found);
    return;
  }
  if (!opaque && Array.isArray(before.value) && Array.isArray(after.value)) {
    if (before.value.length === after.value.length) {
      before.value.forEach((_, index) => walk([...path, index], child(before, index), child(after, index), found));
    } else {
      listElementChanges(path, before, after, found);
    }
    return;
  }
  const json = !opaque && parseJsonPair(before.value, after.value);
  if (json) {
    // Policies and similar documents are JSON strings: compare their structure, as Terraform's own plan output does.
    walk(path, { value: json[0], sensitive: false, unknown: false }, { value: json[1], sensitive: false, unknown: false }, found);
    return;
  }
  pushIfChanged(path, before, after, found);
}

function pushIfChanged(path: Path, before: Side, after: Side, found: Found): void {
  const changed =
    hasTrue(after.unknown) ||
    hasTrue(before.sensitive) !== hasTrue(after.sensitive) ||
    !isDeepStrictEqual(before.value ?? null, after.value ?? null);
  if (!changed) return;
  // Terraform hides both sides when either is sensitive: a value that is becoming sensitive is already a secret.
  const hidden = before.sensitive === true || after.sensitive === true;
  found.push({
    path,
    before: mask(before.value, hidden && before.value != null ? true : before.sensitive, false),
    after: mask(after.value, hidden && (after.value != null || after.unknown === true) ? true : after.sensitive, after.unknown),
  });
}

/**
 * A list that grew or shrank (often a set, such as security-group rules) is shown as the whole
 * elements removed and added, matched by value, rather than as every position that shifted.
 */
function listElementChanges(path: Path, before: Side, after: Side, found: Found): void {
  const afterList = after.value as unknown[];
  const matched = new Set<number>();
  const removed: number[] = [];
  (before.value as unknown[]).forEach((item, index) => {
    const match = afterList.findIndex((candidate, at) => !matched.has(at) && isDeepStrictEqual(item, candidate));
    if (match === -1) removed.push(index);
    else matched.add(match);
  });
  const absent: Side = { value: undefined, sensitive: undefined, unknown: undefined };
  for (const index of removed) pushIfChanged([...path, index], child(before, index), absent, found);
  afterList.forEach((_, index) => {
    if (!matched.has(index)) pushIfChanged([...path, index], absent, child(after, index), found);
  });
}

/** Both values parsed, when both are strings holding a JSON object or array. */
function parseJsonPair(before: unknown, after: unknown): [unknown, unknown] | undefined {
  if (typeof before !== 'string' || typeof after !== 'string' || before === after) return undefined;
  try {
    const pair: [unknown, unknown] = [JSON.parse(before), JSON.parse(after)];
    return pair.every((value) => typeof value === 'object' && value !== null) ? pair : undefined;
  } catch {
    return undefined;
  }
}

/** Objects are compared key by key when both sides are objects, or one side is absent (create, delete, new block). */
function isObjectPair(a: unknown, b: unknown): boolean {
  return (isRecord(a) || a == null) && (isRecord(b) || b == null) && (isRecord(a) || isRecord(b));
}

function keysOf(value: unknown): string[] {
  return isRecord(value) ? Object.keys(value) : [];
}

function child(side: Side, key: string | number): Side {
  return { value: at(side.value, key), sensitive: at(side.sensitive, key), unknown: at(side.unknown, key) };
}

function at(value: unknown, key: string | number): unknown {
  if (Array.isArray(value) && typeof key === 'number') return value[key];
  if (isRecord(value) && typeof key === 'string') return value[key];
  return undefined;
}

function hasTrue(mask: unknown): boolean {
  if (mask === true) return true;
  if (Array.isArray(mask)) return mask.some(hasTrue);
  return isRecord(mask) && Object.values(mask).some(hasTrue);
}

/** A copy of `value` with its sensitive and unknown parts replaced by Masked placeholders. */
function mask(value: unknown, sensitive: unknown, unknown: unknown): unknown {
  if (sensitive === true) return SENSITIVE;
  if (unknown === true) return UNKNOWN;
  if (Array.isArray(value)) return value.map((item, index) => mask(item, at(sensitive, index), at(unknown, index)));
  if (isRecord(value) || (value == null && isRecord(unknown) && hasTrue(unknown))) {
    const unknownKeys = keysOf(unknown).filter((key) => hasTrue(at(unknown, key)));
    const keys = new Set([...keysOf(value), ...unknownKeys]);
    return Object.fromEntries([...keys].sort().map((key) => [key, mask(at(value, key), at(sensitive, key), at(unknown, key))]));
  }
  return value;
}

function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((step, index) => step === path[index]);
}
