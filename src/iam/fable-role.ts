import { Construct } from 'constructs';
import { Lazy } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from './policy-document';

export interface FableRoleProps {
  readonly name: string;
  readonly description: string;
  /** Service principal allowed to assume the role, e.g. `lambda.amazonaws.com`. */
  readonly service: string;
  readonly accountId: string;
  readonly permissionsBoundary?: string;
}

/**
 * An IAM role with one inline least-privilege policy. Constructs grant to it through
 * `addStatements` (their `grantX` helpers); the policy is rendered once at synth from
 * everything granted, so a role never holds a permission nobody asked for.
 */
export class FableRole extends Construct {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;
  private readonly statements: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: FableRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, 'role', {
      name: props.name,
      description: props.description,
      assumeRolePolicy: serviceTrustPolicy(props.service, props.accountId),
      permissionsBoundary: props.permissionsBoundary,
    });
    this.policy = new IamRolePolicy(this, 'policy', {
      name: 'least-privilege',
      role: this.role.id,
      policy: Lazy.stringValue({ produce: () => policyDocument(this.uniqueStatements()) }),
    });
    this.node.addValidation({
      validate: () => (this.statements.length === 0 ? [`Role ${props.name} has no permissions granted.`] : []),
    });
  }

  get arn(): string {
    return this.role.arn;
  }

  get name(): string {
    return this.role.name;
  }

  addStatements(...statements: PolicyStatement[]): void {
    this.statements.push(...statements);
  }

  /** Grants of the same permission from two places collapse into one statement. */
  private uniqueStatements(): PolicyStatement[] {
    const seen = new Map<string, PolicyStatement>();
    for (const s of this.statements) seen.set(JSON.stringify(s), s);
    return [...seen.values()];
  }
}
