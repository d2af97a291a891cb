import { Construct } from 'constructs';
import { Lazy } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { AwsEnvironment } from '../platform/aws-environment';
import { FableStage } from '../stage/fable-stage';
import { policyDocument, roleTrustPolicy, serviceTrustPolicy, type PolicyStatement } from './policy-document';

export interface FableRoleProps {
  /** The role's IAM name (`FableStage.iamName`). */
  readonly name: string;
  readonly description: string;
  /** Who may assume the role: a service principal (e.g. `lambda.amazonaws.com`) or, for role chaining, one role's ARN. */
  readonly service?: string;
  readonly assumedByRoleArn?: string;
  readonly permissionsBoundary?: string;
}

function trustPolicy(props: FableRoleProps, accountId: string): string {
  if (props.service && !props.assumedByRoleArn) return serviceTrustPolicy(props.service, accountId);
  if (props.assumedByRoleArn && !props.service) return roleTrustPolicy(props.assumedByRoleArn);
  throw new Error(`Role ${props.name} needs exactly one of service and assumedByRoleArn.`);
}

/**
 * An IAM role with one inline least-privilege policy. Constructs grant to it through
 * `addStatements` (their `grantX` helpers) or a statement source evaluated at synth (bindings);
 * the policy is rendered once from everything granted, so a role never holds a permission
 * nobody asked for. Every role also carries the stage's guards (`FableStage.guardEveryRole`):
 * explicit Denies no grant can outweigh.
 */
export class FableRole extends Construct {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;
  private readonly statements: PolicyStatement[] = [];
  private readonly sources: (() => readonly PolicyStatement[])[] = [];

  constructor(scope: Construct, id: string, props: FableRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, 'role', {
      name: props.name,
      description: props.description,
      assumeRolePolicy: trustPolicy(props, AwsEnvironment.of(this).accountId),
      permissionsBoundary: props.permissionsBoundary,
    });
    this.policy = new IamRolePolicy(this, 'policy', {
      name: 'least-privilege',
      role: this.role.id,
      policy: Lazy.stringValue({ produce: () => policyDocument(this.uniqueStatements()) }),
    });
    const stage = FableStage.of(this);
    this.addStatementSource(() => stage.roleGuardStatements());
    this.node.addValidation({
      validate: () =>
        this.uniqueStatements().some((s) => (s.effect ?? 'Allow') === 'Allow') ? [] : [`Role ${props.name} has no permissions granted.`],
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

  /** Statements known only once every construct exists (e.g. a Lambda's bindings). */
  addStatementSource(source: () => readonly PolicyStatement[]): void {
    this.sources.push(source);
  }

  /** Grants of the same permission from two places collapse into one statement. */
  private uniqueStatements(): PolicyStatement[] {
    const seen = new Map<string, PolicyStatement>();
    for (const s of [...this.statements, ...this.sources.flatMap((source) => source())]) seen.set(JSON.stringify(s), s);
    return [...seen.values()];
  }
}
