import { lambdaConfig } from '../shared/config';
import { lambdaClient } from '../shared/clients/lambda';
import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { once } from '../shared/clients/once';
import { respond } from '../shared/responses';
import type { DirectResponse } from '../shared/contract';
import { deployerSettings, type DeployerDeps } from './settings';
import { handleToolDeployerEvent } from './dispatch';

// Built on the first invocation (not at import), so loading the bundle needs no environment.
const deps = once(
  (): DeployerDeps => ({
    lambda: lambdaClient(),
    dynamo: dynamoDocumentClient(),
    settings: deployerSettings(lambdaConfig('tool-deployer')),
  }),
);

/** tool-deployer: `{"action":"deploy"|"undeploy"|"list","payload":{...}}` -> `{"success":...}`. */
export async function handler(event: unknown): Promise<DirectResponse> {
  // Outside `respond`: a misconfigured Lambda fails the invocation loudly instead of answering INTERNAL.
  const resolved = deps();
  return respond(() => handleToolDeployerEvent(resolved, event));
}
