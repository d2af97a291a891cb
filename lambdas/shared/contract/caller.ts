/**
 * The caller's identity as FABLE's own Lambdas pass it to one another: copied from the connection
 * record (the authorizer's context), never from a frame. One shape for every direct-invoke payload
 * that acts for a user.
 */
import * as z from 'zod';
import { groupName } from './connect-auth';
import { opaqueId, withDefault } from './fields';
import { DEFAULT_ORG_ROLE, ORG_ROLES } from './identity';

export const callerFields = {
  userId: opaqueId,
  orgId: opaqueId,
  /** Decides who may act on another member's builds of the same org (`admin`). */
  orgRole: withDefault(z.enum(ORG_ROLES), DEFAULT_ORG_ROLE),
  /** Cognito groups; `admins` (FABLE operators) alone write `global` memories. */
  groups: withDefault(z.array(groupName), []),
};
export const callerIdentity = z.object(callerFields);
export type CallerIdentity = z.output<typeof callerIdentity>;
