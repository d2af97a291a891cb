/**
 * A small stack holding the build pipeline and the foundation constructs it needs, for synth
 * assertions and for the offline end-to-end run of the synthesized definition.
 */
import { App, TerraformStack } from 'cdktf';
import { stageConfig, type StageConfig } from '../../../src/config';
import { AwsEnvironment } from '../../../src/platform/aws-environment';
import { useAwsProvider } from '../../../src/stacks/aws-provider';
import { FableVpc } from '../../../src/network/vpc';
import { SecurityGroups } from '../../../src/network/security-groups';
import { FableTables } from '../../../src/data/tables';
import { createArtifactsBucket } from '../../../src/data/artifacts-bucket';
import type { FableRole } from '../../../src/iam/fable-role';
import type { InvokableFunction } from '../../../src/compute/node-lambda';
import { BuildRepository } from '../../../src/pipeline/build-repository';
import { BuildPipeline, type WebSocketManagement } from '../../../src/pipeline/build-pipeline';
import { synthJson, testBundles, type StackJson } from '../../helpers/synth';

export const IMAGE_TAG = 'build-0123abcd';
export const WEBSOCKET_API_ARN = 'arn:aws:execute-api:us-west-2:123456789012:abc123/dev/POST/@connections/*';
export const WEBSOCKET_ENDPOINT = 'https://abc123.execute-api.us-west-2.amazonaws.com/dev';
export const TOOL_DEPLOYER_ARN = 'arn:aws:lambda:us-west-2:123456789012:function:fable-dev-tool-deployer';

/** Stand-ins for constructs other parts of the stack own (WebSocket API, tool-deployer). */
const websocket: WebSocketManagement = {
  managementEndpoint: WEBSOCKET_ENDPOINT,
  grantManageConnections: (role: FableRole) =>
    role.addStatements({ actions: ['execute-api:ManageConnections'], resources: [WEBSOCKET_API_ARN] }),
};
const toolDeployer: InvokableFunction = {
  functionName: 'fable-dev-tool-deployer',
  arn: TOOL_DEPLOYER_ARN,
  grantInvoke: (role: FableRole) => role.addStatements({ actions: ['lambda:InvokeFunction'], resources: [TOOL_DEPLOYER_ARN] }),
};

export interface PipelineStack {
  readonly json: StackJson;
  readonly config: StageConfig;
}

export async function synthPipelineStack(stage = 'dev'): Promise<PipelineStack> {
  const bundles = await testBundles(['build-kickoff', 'update-build-status']);
  const config = stageConfig(stage, { buildImageTag: IMAGE_TAG });
  const stack = new TerraformStack(new App({ stackTraces: false }), `fable-${stage}`);
  useAwsProvider(stack, config.region, config.stage);
  const env = new AwsEnvironment(stack, 'env');
  const vpc = new FableVpc(stack, 'network', { config, env });
  const securityGroups = new SecurityGroups(stack, 'security-groups', { config, vpcId: vpc.vpc.id });
  const tables = new FableTables(stack, 'tables', { config });
  const artifacts = createArtifactsBucket(stack, config, env);
  const repository = new BuildRepository(stack, 'build-repository', { config });
  new BuildPipeline(stack, 'build-pipeline', {
    config,
    env,
    bundles,
    tables,
    artifacts,
    vpc,
    securityGroups,
    websocket,
    toolDeployer,
    repository,
    imageUri: repository.imageUri(IMAGE_TAG),
  });
  return { json: synthJson(stack), config };
}

/** `${type.id.attr}` of the single resource of `type` whose attributes match. */
export function reference(json: StackJson, type: string, match: (r: Record<string, any>) => boolean, attribute: string): string {
  const ids = Object.entries(json.resource[type] ?? {})
    .filter(([, r]) => match(r))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`Expected one ${type} matching, found ${ids.length}`);
  return `\${${type}.${ids[0]}.${attribute}}`;
}

/** The statements of the inline policy of the role named `roleName`. */
export function roleStatements(json: StackJson, roleName: string): any[] {
  const roleId = reference(json, 'aws_iam_role', (r) => r.name === roleName, 'id');
  const policies = Object.values(json.resource.aws_iam_role_policy ?? {}).filter((p) => p.role === roleId);
  if (policies.length !== 1) throw new Error(`Expected one inline policy on ${roleName}, found ${policies.length}`);
  return JSON.parse(policies[0].policy).Statement;
}

export function trustPolicy(json: StackJson, roleName: string): any {
  const role = Object.values(json.resource.aws_iam_role).find((r) => r.name === roleName);
  return JSON.parse(role?.assume_role_policy);
}
