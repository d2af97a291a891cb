import { requireObject, requireOneOf } from '../shared/validation';
import type { DeployerDeps } from './settings';
import { deployTool } from './deploy';
import { undeployTool } from './undeploy';
import { listTools } from './list';

export const TOOL_DEPLOYER_ACTIONS = ['deploy', 'undeploy', 'list'] as const;

/** Route one direct-invoke event (DESIGN.md section 4) to its action; bad input is BAD_REQUEST. */
export async function handleToolDeployerEvent(deps: DeployerDeps, event: unknown): Promise<object> {
  const body = requireObject(event, 'event');
  const action = requireOneOf(body, 'action', TOOL_DEPLOYER_ACTIONS);
  switch (action) {
    case 'deploy':
      return deployTool(deps, body.payload);
    case 'undeploy':
      return undeployTool(deps, body.payload);
    case 'list':
      return listTools(deps, body.payload);
  }
}
