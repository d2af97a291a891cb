/**
 * Who a request comes from (DESIGN.md sections 4 and 9). Identity is established once, by the
 * `$connect` authorizer, and travels down from the connection record; nobody below trusts an
 * identity its caller could have chosen.
 */

/** The identity of a connection without a token, in a stage with `auth.allowAnonymous` only. */
export const ANONYMOUS_USER_ID = 'anonymous';
export const DEFAULT_ORG_ID = 'default';

/**
 * Org ids starting with this are FABLE's own and never a user's (the authorizer refuses a token
 * claiming one): the audit trail files what happens before anyone is identified under one.
 */
export const RESERVED_ORG_PREFIX = '~';
/** The audit partition of refused connections: nobody was identified, so no org's trail holds them. */
export const UNIDENTIFIED_ORG_ID = '~unidentified';

/** A user's role in their org (`custom:orgRole`); a user without one is a member. */
export const ORG_ROLES = ['member', 'admin'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];
export const DEFAULT_ORG_ROLE: OrgRole = 'member';

/** The Cognito group of FABLE's operators: across orgs, unlike an org's `admin` role. */
export const ADMINS_GROUP = 'admins';
export const isOperator = (groups: readonly string[]) => groups.includes(ADMINS_GROUP);

/** The caller of a frame, as the authorizer established it at `$connect`. */
export interface Caller {
  readonly userId: string;
  readonly orgId: string;
  readonly orgRole: OrgRole;
  /** Cognito groups (`cognito:groups`), e.g. `admins`. */
  readonly groups: readonly string[];
}
/** Who deployed an org's tool, once that user's data was erased (the tool stays with its org). */
export const ERASED_USER_ID = 'erased-user';
