import { readFileSync } from 'node:fs';
import { CliError } from './errors';

/**
 * The parts of Terraform's JSON plan representation (`terraform show -json <planfile>`) that the
 * plan summary and the drift check read. Terraform may add properties in minor format versions,
 * so anything not listed here is ignored rather than rejected.
 */
export interface Change {
  actions: string[];
  before?: unknown;
  after?: unknown;
  /** Same shape as `after`, with `true` where a value is only known after apply. */
  after_unknown?: unknown;
  /** Same shape as `before` / `after`, with `true` where a value is sensitive. */
  before_sensitive?: unknown;
  after_sensitive?: unknown;
  /** Attribute paths that force a replacement. */
  replace_paths?: Array<Array<string | number>>;
}

export interface ResourceChange {
  address: string;
  type: string;
  /** Set when the change applies to a deposed object rather than the current one. */
  deposed?: string;
  action_reason?: string;
  change: Change;
}

export interface Plan {
  format_version: string;
  terraform_version?: string;
  resource_changes: ResourceChange[];
  /** Changes made outside Terraform, found while refreshing. */
  resource_drift: ResourceChange[];
}

/** Terraform raises the major format version only for incompatible changes and asks readers to reject unknown majors. */
const SUPPORTED_FORMAT = /^1\.\d+$/;

export function loadPlan(path: string): Plan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `plan JSON not found: ${path}` : `cannot read ${path}: ${(error as Error).message}`);
  }
  return parsePlan(text, path);
}

/** Parses and validates plan JSON; `source` names the input in error messages. */
export function parsePlan(text: string, source: string): Plan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(data)) {
    throw new CliError(`${source} is not a Terraform plan: expected a JSON object`);
  }
  const version = data.format_version;
  if (typeof version !== 'string') {
    throw new CliError(`${source} is not a Terraform plan: it has no format_version (expected the output of \`terraform show -json <planfile>\`)`);
  }
  if (!SUPPORTED_FORMAT.test(version)) {
    throw new CliError(`${source} has plan format_version "${version}", which is not supported (supported: 1.x)`);
  }
  // State JSON shares format_version but has no planned values; summarizing it would silently report "no changes".
  if (!('planned_values' in data)) {
    throw new CliError(`${source} is not a Terraform plan: it has no planned_values (is it state JSON? use \`terraform show -json <planfile>\`)`);
  }
  return {
    format_version: version,
    terraform_version: typeof data.terraform_version === 'string' ? data.terraform_version : undefined,
    resource_changes: readChanges(data, 'resource_changes', source),
    resource_drift: readChanges(data, 'resource_drift', source),
  };
}

/** Terraform omits both lists when they would be empty. */
function readChanges(data: Record<string, unknown>, key: string, source: string): ResourceChange[] {
  const list = data[key];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new CliError(`${source}: ${key} must be an array`);
  return list.map((entry, index) => {
    const where = `${source}: ${key}[${index}]`;
    if (!isRecord(entry) || typeof entry.address !== 'string' || typeof entry.type !== 'string') {
      throw new CliError(`${where} must be an object with string "address" and "type"`);
    }
    const change = entry.change;
    if (!isRecord(change) || !Array.isArray(change.actions) || !change.actions.every((a) => typeof a === 'string')) {
      throw new CliError(`${where} (${entry.address}) must have change.actions, an array of strings`);
    }
    return entry as unknown as ResourceChange;
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
