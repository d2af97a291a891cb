/**
 * A user's data rights (DESIGN.md section 9): the user-data Lambda's events and responses. The
 * identity is the caller's (the router passes the connection's, an operator the person's), and
 * `requestId` makes a request idempotent: the same request is answered from what it did before.
 */
import * as z from 'zod';
import { opaqueId } from './fields';
import { DATA_ACTIONS, dataCounts, frameId } from './protocol';

/** How long the pre-signed URL of an export works. */
export const EXPORT_URL_TTL_SECONDS = 15 * 60;
/** How long export documents (and erase receipts) are kept; also how long a requestId is remembered. */
export const EXPORT_RETENTION_DAYS = 7;

export const userDataEvent = z.object({
  action: z.enum(DATA_ACTIONS),
  payload: z.strictObject({ userId: opaqueId, orgId: opaqueId, requestId: frameId }),
});
export type UserDataEvent = z.input<typeof userDataEvent>;
export type UserDataRequest = z.output<typeof userDataEvent>;

/** Success body (beside `success: true`): the export's URL, and what was exported or erased. */
export const userDataResponse = z.object({ url: z.string().optional(), counts: dataCounts });
export type UserDataResponse = z.output<typeof userDataResponse>;
