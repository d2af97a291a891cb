/**
 * The WebSocket door (DESIGN.md sections 7 and 9): how a client presents its Cognito token at
 * `$connect`, what the authorizer passes on as its context, and the connection record that keeps
 * it. The authorizer, connection-manager, the router and the infrastructure read these.
 */
import * as z from 'zod';
import { opaqueId } from './fields';
import { ORG_ROLES, type OrgRole } from './identity';

/**
 * The subprotocol a client asks for, and `$connect` answers with. Browsers can set no header but
 * `Sec-WebSocket-Protocol`, so the token rides there as a second offered subprotocol
 * (`fable.bearer.<token>`, the scheme Kubernetes uses), and the server selects this one: a
 * browser fails any upgrade whose answer names no protocol it offered, and the token is never echoed.
 */
export const WEBSOCKET_SUBPROTOCOL = 'fable.v1';
export const TOKEN_SUBPROTOCOL_PREFIX = 'fable.bearer.';
/** The other transport, for clients that can set no subprotocol: `wss://.../<stage>?token=<token>`. */
export const TOKEN_QUERY_PARAMETER = 'token';

/** The user pool's custom attributes; tokens carry them as `custom:<name>`. */
export const USER_ATTRIBUTES = { orgId: 'orgId', orgRole: 'orgRole' } as const;
export const CLAIMS = {
  orgId: `custom:${USER_ATTRIBUTES.orgId}`,
  orgRole: `custom:${USER_ATTRIBUTES.orgRole}`,
  groups: 'cognito:groups',
} as const;

/** API Gateway closes every WebSocket connection after 2 hours, so no connection outlives this. */
export const MAX_CONNECTION_SECONDS = 2 * 60 * 60;

/** The authorizer's context as it returns it (API Gateway allows only flat string, number and boolean values). */
export interface AuthorizerContext {
  readonly userId: string;
  readonly orgId: string;
  readonly orgRole: OrgRole;
  /** Comma-separated Cognito groups; empty for none. */
  readonly groups: string;
  /** Epoch seconds: the token's `exp` (for an anonymous connection, when API Gateway would close it). */
  readonly expiresAt: number;
}

/** A Cognito group name as FABLE accepts it: the context lists groups comma-separated, so none may hold a comma. */
export const groupName = opaqueId.refine((name) => !name.includes(','), { error: 'must not contain a comma' });

/** Comma-separated groups as a list (empty string: none). */
const groupList = z
  .string()
  .transform((groups) => groups.split(',').filter((group) => group !== ''))
  .pipe(z.array(groupName));

/**
 * The context as connection-manager receives it: the fields above beside API Gateway's own
 * (`principalId`, `integrationLatency`). `expiresAt` is coerced because API Gateway may hand
 * context values on as strings.
 */
export const authorizerContext = z.object({
  userId: opaqueId,
  orgId: opaqueId,
  orgRole: z.enum(ORG_ROLES),
  groups: groupList.optional().transform((groups) => groups ?? []),
  expiresAt: z.coerce.number().int().positive(),
});

/** What the router reads of a connection: who it is, and until when the door's answer holds. */
export const connectionIdentity = z.object({
  userId: opaqueId,
  orgId: opaqueId,
  orgRole: z.enum(ORG_ROLES),
  groups: z.array(groupName),
  expiresAt: z.number().int(),
});
export type ConnectionIdentity = z.output<typeof connectionIdentity>;

/** A connections table item (PK `connectionId`, GSI `userId-index`, `ttl`). */
export interface ConnectionItem extends ConnectionIdentity {
  readonly connectionId: string;
  readonly connectedAt: string;
  /** Epoch seconds: DynamoDB TTL removes connections whose `$disconnect` never arrived. */
  readonly ttl: number;
}
