import type { Construct } from 'constructs';
import { AUDIT_TABLE } from '../../lambdas/shared/contract';
import { FableStage } from '../stage/fable-stage';
import type { PolicyStatement } from '../iam/policy-document';
import { DynamoTable } from './dynamo-table';

/**
 * Everything that could change or remove an audit event, or loosen the table's protection:
 * item updates and deletes (also through batches and PartiQL), TTL (which deletes items), the
 * table's settings (deletion protection, streams), its point-in-time recovery, the table itself.
 * PutItem is not here: writers need it, and each writes only with `attribute_not_exists(PK)`
 * under a key holding a fresh ULID (IAM cannot look at a condition expression).
 */
export const AUDIT_CHANGE_ACTIONS = [
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:DeleteTable',
  'dynamodb:PartiQLDelete',
  'dynamodb:PartiQLUpdate',
  'dynamodb:UpdateContinuousBackups',
  'dynamodb:UpdateItem',
  'dynamodb:UpdateTable',
  'dynamodb:UpdateTimeToLive',
] as const;

/**
 * `fable-<stage>-audit`, the append-only audit trail. It protects itself once for the whole
 * stage: every FABLE role (Lambdas, the state machine, build tasks, tools) carries an explicit
 * Deny of every change to it, so no grant, present or future, can make an event editable.
 */
export class AuditTable extends DynamoTable {
  constructor(scope: Construct, id: string) {
    super(scope, id, AUDIT_TABLE);
    FableStage.of(this).guardEveryRole(() => [this.appendOnlyStatement()]);
  }

  appendOnlyStatement(): PolicyStatement {
    return { sid: 'AuditTrailIsAppendOnly', effect: 'Deny', actions: AUDIT_CHANGE_ACTIONS, resources: [this.arn] };
  }
}
