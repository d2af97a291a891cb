/**
 * A small stack holding the build pipeline and the foundation constructs it needs, for synth
 * assertions and for the offline end-to-end run of the synthesized definition.
 */
import type { WebSocketBinding } from '../../lambdas/shared/contract';
import type { StageConfig } from '../../src/config';
import { FableVpc } from '../../src/network/vpc';
import { SecurityGroups } from '../../src/network/security-groups';
import { FableTables } from '../../src/data/tables';
import { ArtifactsBucket } from '../../src/data/artifacts-bucket';
import type { InvokableFunction } from '../../src/compute/node-lambda';
import { BuildRepository } from '../../src/pipeline/build-repository';
import { BuildPipeline } from '../../src/pipeline/build-pipeline';
import { synthJson, testBundles, type StackJson } from './synth';
import { testStage } from './stage';

export const IMAGE_TAG = 'build-0123abcd';
export const WEBSOCKET_API_ARN = 'arn:aws:execute-api:us-west-2:123456789012:abc123/dev/POST/@connections/*';
export const WEBSOCKET_ENDPOINT = 'https://abc123.execute-api.us-west-2.amazonaws.com/dev';
export const TOOL_DEPLOYER_ARN = 'arn:aws:lambda:us-west-2:123456789012:function:fable-dev-tool-deployer';

/** Stand-in for the tool-deployer, which tool hosting owns. */
const toolDeployer: InvokableFunction = {
  functionName: 'fable-dev-tool-deployer',
  arn: TOOL_DEPLOYER_ARN,
  invokeStatement: () => ({ actions: ['lambda:InvokeFunction'], resources: [TOOL_DEPLOYER_ARN] }),
};

export interface PipelineStack {
  readonly json: StackJson;
  readonly config: StageConfig;
}

/** The build pipeline on its foundation; the WebSocket API is a stand-in binding (endpoint + grant). */
export async function synthPipelineStack(stage = 'dev'): Promise<PipelineStack> {
  const bundles = await testBundles(['build-kickoff', 'update-build-status']);
  const test = testStage({ stage, overrides: { buildImageTag: IMAGE_TAG }, bundles });
  const { stack } = test;
  test.stage.provide<WebSocketBinding>('websocket', {
    resolveBinding: () => ({ value: WEBSOCKET_ENDPOINT, statements: [{ actions: ['execute-api:ManageConnections'], resources: [WEBSOCKET_API_ARN] }] }),
  });
  const vpc = new FableVpc(stack, 'network');
  const securityGroups = new SecurityGroups(stack, 'security-groups', { vpcId: vpc.vpc.id });
  new FableTables(stack, 'tables');
  const artifacts = new ArtifactsBucket(stack, 'artifacts');
  const repository = new BuildRepository(stack, 'build-repository');
  new BuildPipeline(stack, 'build-pipeline', {
    artifacts,
    vpc,
    securityGroups,
    toolDeployer,
    repository,
    imageUri: repository.imageUri(IMAGE_TAG),
  });
  return { json: synthJson(stack), config: test.stage.config };
}

/** `${type.id.attr}` of the single resource of `type` whose attributes match. */
export function reference(json: StackJson, type: string, match: (r: Record<string, any>) => boolean, attribute: string): string {
  const ids = Object.entries(json.resource[type] ?? {})
    .filter(([, r]) => match(r))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`Expected one ${type} matching, found ${ids.length}`);
  return `\${${type}.${ids[0]}.${attribute}}`;
}

/**
 * The statements of the inline policy of the role named `roleName`, less the audit trail's Deny
 * that every role carries (roles-vs-code.test.ts proves it for each one).
 */
export function roleStatements(json: StackJson, roleName: string): any[] {
  const roleId = reference(json, 'aws_iam_role', (r) => r.name === roleName, 'id');
  const policies = Object.values(json.resource.aws_iam_role_policy ?? {}).filter((p) => p.role === roleId);
  if (policies.length !== 1) throw new Error(`Expected one inline policy on ${roleName}, found ${policies.length}`);
  return JSON.parse(policies[0].policy).Statement.filter((statement: { Sid?: string }) => statement.Sid !== 'AuditTrailIsAppendOnly');
}

export function trustPolicy(json: StackJson, roleName: string): any {
  const role = Object.values(json.resource.aws_iam_role).find((r) => r.name === roleName);
  return JSON.parse(role?.assume_role_policy);
}
