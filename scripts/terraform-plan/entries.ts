import { ACTION_ORDER, classify, type Action } from './actions';
import { attributeChanges, type AttributeChange } from './attributes';
import type { ResourceChange } from './plan';

/** A resource change worth listing: what happens to which object, and which attributes change. */
export interface Entry {
  /** The resource address, naming the deposed object when the change is to one. */
  address: string;
  type: string;
  action: Action;
  /** Terraform's `action_reason`, a display hint such as `replace_because_tainted`. */
  reason?: string;
  attributes: AttributeChange[];
}

/** The changes that do something (no no-ops or data-source reads), most consequential first. */
export function toEntries(changes: readonly ResourceChange[]): Entry[] {
  return changes
    .map((resource) => ({
      address: resource.deposed ? `${resource.address} (deposed object ${resource.deposed})` : resource.address,
      type: resource.type,
      action: classify(resource.change.actions),
      reason: resource.action_reason,
      attributes: attributeChanges(resource.change),
    }))
    .filter((entry) => ACTION_ORDER.includes(entry.action))
    .sort((a, b) => ACTION_ORDER.indexOf(a.action) - ACTION_ORDER.indexOf(b.action));
}
