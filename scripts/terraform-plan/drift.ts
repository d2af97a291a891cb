import { Masked } from './attributes';
import { toEntries, type Entry } from './entries';
import { code, formatPath, plural } from './format';
import type { Plan } from './plan';
import { changeDetails, changeTable } from './resource-markdown';
import { GITHUB_COMMENT_LIMIT, fitSections, fixed, type Section } from './truncate';

/** Out-of-band changes: what Terraform found different from its state when it refreshed. */
export function findDrift(plan: Plan): Entry[] {
  return toEntries(plan.resource_drift);
}

/** Hidden in the issue body so the workflow finds this stack's open drift issue instead of opening another. */
export function driftMarker(stack: string): string {
  return `<!-- fable-drift:${stack} -->`;
}

/** In resource_drift, "update" means changed and "delete" means deleted by someone outside Terraform. */
function label(entry: Entry): string {
  if (entry.action === 'update') return 'changed outside Terraform';
  if (entry.action === 'delete') return 'deleted outside Terraform';
  return entry.action;
}

/** The drift workflow appends a line (a link to its run) to the report before it becomes the issue body. */
const ISSUE_FOOTER_ROOM = 1_000;

export function renderDriftMarkdown(stack: string, drift: readonly Entry[], limit = GITHUB_COMMENT_LIMIT - ISSUE_FOOTER_ROOM): string {
  const header = `${driftMarker(stack)}\n## Drift check: ${code(stack)}\n\n`;
  if (drift.length === 0) {
    return `${header}**No drift.** The infrastructure matches the Terraform state.\n`;
  }
  const sections: Section[] = [
    fixed(`${header}**${plural(drift.length, 'resource')} changed outside Terraform.**\n\n`),
    changeTable(drift, label, 1),
    changeDetails(drift, label, `Full list of ${plural(drift.length, 'drifted resource')}`, 0),
    fixed(
      'To resolve: change the configuration to match and merge it, or run `terraform apply` to put the resources back ' +
        '(`terraform apply -refresh-only` only records the change in the state).\n',
    ),
  ];
  return fitSections(sections, limit);
}

/** The same report for machines; sensitive and unknown values appear only as their placeholder labels. */
export function renderDriftJson(stack: string, plan: Plan, drift: readonly Entry[]): string {
  const report = {
    stack,
    drift: drift.length > 0,
    terraform_version: plan.terraform_version ?? null,
    resources: drift.map((entry) => ({
      address: entry.address,
      type: entry.type,
      action: entry.action,
      attributes: entry.attributes.map((attribute) => ({
        path: formatPath(attribute.path),
        before: attribute.before ?? null,
        after: attribute.after ?? null,
      })),
    })),
  };
  return `${JSON.stringify(report, (_key, value: unknown) => (value instanceof Masked ? value.label : value), 2)}\n`;
}
