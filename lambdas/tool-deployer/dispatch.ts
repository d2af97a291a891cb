import { toolDeployerEvent } from '../shared/contract';
import { directInvoke } from '../shared/handler';
import type { DeployerDeps } from './settings';
import { deployTool } from './deploy';
import { undeployTool } from './undeploy';
import { listTools } from './list';
import { rollbackTool } from './rollback';

/** One direct-invoke event (DESIGN.md section 4), checked against the contract, to its action. */
export const invokeToolDeployer = directInvoke(toolDeployerEvent, async (request, deps: DeployerDeps) => {
  switch (request.action) {
    case 'deploy':
      return deployTool(deps, request.payload);
    case 'undeploy':
      return undeployTool(deps, request.payload);
    case 'list':
      return listTools(deps, request.payload);
    case 'rollback':
      return rollbackTool(deps, request.payload);
  }
});
