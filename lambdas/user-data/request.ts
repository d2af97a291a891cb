import { ANONYMOUS_USER_ID, type UserDataRequest, type UserDataResponse } from '../shared/contract';
import { refuse } from '../shared/audit-writer';
import type { UserDataDeps } from './deps';
import { eraseUserData } from './erase';
import { exportUserData } from './export';
import { correlate } from '../shared/telemetry';

/**
 * One checked data request. The anonymous identity is shared by everyone who connects without
 * signing in (StageConfig.auth.allowAnonymous), so nobody may export or erase it as their own.
 */
export async function answerDataRequest(request: UserDataRequest, deps: UserDataDeps): Promise<UserDataResponse> {
  const { action, payload } = request;
  correlate({ requestId: payload.requestId });
  if (payload.userId === ANONYMOUS_USER_ID) {
    await refuse(
      deps.audit,
      { orgId: payload.orgId, userId: payload.userId, actor: ['user', payload.userId], target: ['user', payload.userId], action: `data.${action}` },
      'Data requests need a signed-in user: the anonymous identity is shared by everyone without an account.',
    );
  }
  return action === 'export' ? exportUserData(deps, payload) : eraseUserData(deps, payload);
}
