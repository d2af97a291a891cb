import { toolDeployerEvent } from '../shared/contract';
import { directInvoke } from '../shared/handler';
import type { DeployerDeps } from './settings';
import { deployTool } from './deploy';
import { undeployTool } from './undeploy';
import { listTools } from './list';
import { correlate } from '../shared/telemetry';
import { rollbackTool } from './rollback';

/** One direct-invoke event (DESIGN.md section 4), checked against the contract, to its action. */
export const invokeToolDeployer = directInvoke(toolDeployerEvent, async (request, deps: DeployerDeps) => {
  switch (request.action) {
    case 'deploy':
      correlate({ toolName: request.payload.toolName });
      return deployTool(deps, request.payload);
    case 'undeploy':
      correlate({ toolName: request.payload.toolName });
      return undeployTool(deps, request.payload);
    case 'list':
      return listTools(deps, request.payload);
    case 'rollback':
      correlate({ toolName: request.payload.toolName });
      return rollbackTool(deps, request.payload);
  }
});
