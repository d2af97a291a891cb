import { BUILD_PHASES, type BuildPhase } from '../shared/contract';
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

/**
 * The DynamoDB update for a status change, guarded so status only moves forward
 * (DESIGN.md section 5): `pending -> running -> completed | failed`, `running -> running` only
 * into a later phase, `pending -> failed`. On a missing item every guard is false, so an update
 * never creates a build.
 */
export function conditionalUpdate(update: StatusUpdate, now: string): ConditionalUpdate {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':status': update.status, ':now': now };
  const set = ['#status = :status', 'updatedAt = :now'];

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

  let conditionExpression: string;
  switch (update.status) {
    case 'running': {
      values[':pending'] = 'pending';
      set.push('startedAt = if_not_exists(startedAt, :now)');
      conditionExpression = '#status = :pending';
      if (update.phase !== undefined) {
        values[':running'] = 'running';
        const earlier = earlierPhases(update.phase);
        earlier.forEach((phase, i) => (values[`:earlier${i}`] = phase));
        const earlierClause = earlier.length === 0 ? '' : ` OR #phase IN (${earlier.map((_, i) => `:earlier${i}`).join(', ')})`;
        conditionExpression += ` OR (#status = :running AND (attribute_not_exists(#phase)${earlierClause}))`;
      }
      break;
    }
    case 'completed':
      values[':running'] = 'running';
      set.push('completedAt = :now');
      conditionExpression = '#status = :running';
      break;
    case 'failed':
      values[':pending'] = 'pending';
      values[':running'] = 'running';
      set.push('failedAt = :now');
      conditionExpression = '#status IN (:pending, :running)';
      break;
  }
  return { updateExpression: `SET ${set.join(', ')}`, conditionExpression, names, values };
}
