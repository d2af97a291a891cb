import { BUILD_PHASES, UNFINISHED_BUILD_STATUSES, type BuildPhase, type BuildStatus } from '../shared/contract';
import type { StatusUpdate } from './status-update';

export interface ConditionalUpdate {
  readonly updateExpression: string;
  readonly conditionExpression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

/** Phases that come before this one: a running build may only move to a later phase. */
export function earlierPhases(phase: BuildPhase): BuildPhase[] {
  return BUILD_PHASES.slice(0, BUILD_PHASES.indexOf(phase));
}

/** When each status is entered, recorded once. */
const TIMESTAMPS: Partial<Record<BuildStatus, string>> = {
  completed: 'completedAt',
  failed: 'failedAt',
  rejected: 'rejectedAt',
  cancelled: 'cancelledAt',
};

/**
 * The DynamoDB update for a status change, guarded so status only moves forward (DESIGN.md
 * section 5): `pending -> running -> awaiting_approval -> deploying -> completed`, `running ->
 * deploying` when a stage needs no approval, `running -> running` only into a later phase, and
 * any unfinished status to `failed` or `rejected`. `awaiting_approval` is entered (or, for a
 * retried AwaitApproval, re-entered with the new token) only once the artifacts are recorded and
 * before any decision; `deploying` from it only after an approval. Leaving `awaiting_approval`
 * removes the task token. On a missing item every guard is false, so an update never creates a build.
 */
export function conditionalUpdate(update: StatusUpdate, now: string): ConditionalUpdate {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':status': update.status, ':now': now };
  const set = ['#status = :status', 'updatedAt = :now'];
  const remove: string[] = [];
  const status = (value: BuildStatus) => {
    const placeholder = `:s_${value}`;
    values[placeholder] = value;
    return placeholder;
  };
  const statusIn = (statuses: readonly BuildStatus[]) => `#status IN (${statuses.map(status).join(', ')})`;

  if (update.phase !== undefined) {
    names['#phase'] = 'phase';
    values[':phase'] = update.phase;
    set.push('#phase = :phase');
  }
  if (update.result !== undefined) {
    names['#result'] = 'result';
    values[':result'] = update.result;
    set.push('#result = :result');
  }
  if (update.error !== undefined) {
    names['#error'] = 'error';
    values[':error'] = update.error;
    set.push('#error = :error');
  }
  const timestamp = TIMESTAMPS[update.status];
  if (timestamp) set.push(`${timestamp} = :now`);

  let conditionExpression: string;
  switch (update.status) {
    case 'running': {
      set.push('startedAt = if_not_exists(startedAt, :now)');
      conditionExpression = `#status = ${status('pending')}`;
      if (update.phase !== undefined) {
        const earlier = earlierPhases(update.phase);
        earlier.forEach((phase, i) => (values[`:earlier${i}`] = phase));
        const earlierClause = earlier.length === 0 ? '' : ` OR #phase IN (${earlier.map((_, i) => `:earlier${i}`).join(', ')})`;
        conditionExpression += ` OR (#status = ${status('running')} AND (attribute_not_exists(#phase)${earlierClause}))`;
      }
      break;
    }
    case 'awaiting_approval':
      names['#token'] = 'approvalToken';
      names['#review'] = 'review';
      names['#decision'] = 'decision';
      values[':token'] = update.taskToken;
      set.push('#token = :token');
      conditionExpression = `attribute_exists(#review) AND attribute_not_exists(#decision) AND ${statusIn(['running', 'awaiting_approval'])}`;
      break;
    case 'deploying':
      names['#review'] = 'review';
      names['#decision'] = 'decision';
      names['#kind'] = 'decision';
      values[':approve'] = 'approve';
      remove.push('approvalToken');
      conditionExpression =
        `attribute_exists(#review) AND (#status = ${status('running')} ` +
        `OR (#status = ${status('awaiting_approval')} AND #decision.#kind = :approve))`;
      break;
    case 'completed':
      conditionExpression = `#status = ${status('deploying')}`;
      break;
    case 'failed':
    case 'rejected':
    case 'cancelled':
      remove.push('approvalToken');
      conditionExpression = statusIn(UNFINISHED_BUILD_STATUSES);
      break;
  }
  const updateExpression = `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`;
  return { updateExpression, conditionExpression, names, values };
}
