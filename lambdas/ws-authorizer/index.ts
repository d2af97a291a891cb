import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import * as z from 'zod';
import { opaqueId } from '../shared/contract';
import { writeAuditEvent } from '../shared/audit-writer';
import type { AuditTrail } from '../shared/audit';
import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { boolSetting } from '../shared/config';
import { lambdaHandler } from '../shared/handler';
import { decide, idTokenVerifier, type Door } from './authorize';
import { refusedConnectEvent } from './refused-connect';
import { presentedToken } from './token';
import { log } from '../shared/telemetry';

/** What the authorizer reads of a WebSocket REQUEST authorizer event. */
const connectRequest = z.object({
  methodArn: z.string().min(1),
  requestContext: z.object({ connectionId: opaqueId }),
  headers: z.record(z.string(), z.string()).nullish(),
  queryStringParameters: z.record(z.string(), z.string()).nullish(),
});

/** API Gateway answers `401 Unauthorized` to exactly this error; any other error is a 500. */
const unauthorized = () => new Error('Unauthorized');

interface Deps extends Door {
  readonly audit: AuditTrail;
}

/**
 * ws-authorizer: the REQUEST authorizer of `$connect` (DESIGN.md section 9). Allows the connection
 * with the caller's identity as context, or records a `connect_refused` event and throws
 * `Unauthorized` (a 401; no connection is stored). When the event cannot be recorded the error
 * propagates (a 500), so no refusal goes unrecorded. Logs say who connected or why not, never a token.
 */
export const handler = lambdaHandler(
  'ws-authorizer',
  (env): Deps => ({
    // Built once per container, so the pool's JWKS is fetched once and cached with it.
    verifier: idTokenVerifier(env.USER_POOL_ID, env.USER_POOL_CLIENT_ID),
    allowAnonymous: boolSetting(env.ALLOW_ANONYMOUS, 'ALLOW_ANONYMOUS'),
    audit: { dynamo: dynamoDocumentClient(), tableName: env.AUDIT_TABLE },
  }),
  async (event: unknown, door): Promise<APIGatewayAuthorizerResult> => {
    const request = connectRequest.safeParse(event);
    if (!request.success) {
      // Not an event API Gateway sends (no connection to name): refused, with nothing to record.
      log.warn('connect refused', { reason: 'malformed_event' });
      throw unauthorized();
    }
    const decision = await decide(door, presentedToken(request.data), new Date());
    if (!decision.allowed) {
      const { reason, detail } = decision;
      log.warn('connect refused', { reason, ...(detail !== undefined ? { detail } : {}) });
      await writeAuditEvent(door.audit, refusedConnectEvent(request.data.requestContext.connectionId, reason));
      throw unauthorized();
    }
    const { context, source } = decision;
    log.info('connect allowed', { userId: context.userId, orgId: context.orgId, source });
    return {
      principalId: context.userId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: request.data.methodArn }],
      },
      context: { ...context },
    };
  },
);
