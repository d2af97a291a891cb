import { auditRef, UNIDENTIFIED_ORG_ID, type AuditEvent } from '../shared/contract';
import type { RefusalReason } from './authorize';

/**
 * The `connect_refused` event of a refused `$connect`. Nobody was identified (an unverified
 * token's claims name nobody), so it is filed under the unidentified org and names only the
 * connection API Gateway was asked to open and why it was refused.
 */
export function refusedConnectEvent(connectionId: string, reason: RefusalReason): AuditEvent {
  return {
    type: 'connect_refused',
    orgId: UNIDENTIFIED_ORG_ID,
    actor: auditRef('connection', connectionId),
    target: auditRef('service', 'websocket'),
    outcome: 'denied',
    detail: { reason },
  };
}
