/** What a resource change does, reduced from Terraform's `change.actions` list. */
export type Action = 'create' | 'update' | 'replace' | 'delete' | 'forget' | 'read' | 'no-op';

/**
 * Terraform writes a replacement as ["delete","create"] or ["create","delete"], and its docs advise
 * scanning for "delete" so that any future combination that deletes is still caught.
 */
export function classify(actions: readonly string[]): Action {
  const has = (action: string) => actions.includes(action);
  if (has('delete')) return has('create') ? 'replace' : 'delete';
  if (has('create')) return 'create';
  if (has('update')) return 'update';
  if (has('forget')) return 'forget';
  if (has('read')) return 'read';
  return 'no-op';
}

/** Actions that destroy an existing object (a replacement destroys the old one). */
export function isDestructive(action: Action): boolean {
  return action === 'delete' || action === 'replace';
}

/** Resource types that hold data: replacing or deleting one of them loses that data. */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  'aws_rds_cluster',
  'aws_rds_cluster_instance',
  'aws_dynamodb_table',
  'aws_s3_bucket',
  'aws_ecr_repository',
]);

/** The order in which changes are listed: most consequential first, so truncation drops the least. */
export const ACTION_ORDER: readonly Action[] = ['delete', 'replace', 'update', 'create', 'forget'];
