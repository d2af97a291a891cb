import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import type { ITerraformDependable } from 'cdktf';
import { FableStage } from '../stage/fable-stage';

export const POSTGRES_PORT = 5432;
export const HTTPS_PORT = 443;
const ANYWHERE = '0.0.0.0/0';

export interface SecurityGroupsProps {
  readonly vpcId: string;
}

/**
 * The three security groups of DESIGN.md section 3. Rules are separate resources (not inline
 * blocks) so a plan shows each rule change on its own and drift on one rule is visible.
 */
export class SecurityGroups extends Construct {
  readonly lambda: SecurityGroup;
  readonly database: SecurityGroup;
  readonly buildTask: SecurityGroup;
  /** The rules that let Lambdas reach AWS APIs and Aurora: depend on them before a deploy-time call into the database. */
  readonly databasePath: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    const stage = FableStage.of(this);
    const { vpcId } = props;
    const group = (component: string, description: string) =>
      new SecurityGroup(this, component, {
        name: stage.name(component),
        description,
        vpcId,
        tags: { Name: stage.name(component) },
      });

    this.lambda = group('lambda-sg', 'FABLE Lambdas in the VPC: no ingress, egress to AWS APIs and Aurora');
    this.database = group('db-sg', 'FABLE Aurora: PostgreSQL from the Lambda security group only');
    this.buildTask = group('build-sg', 'FABLE build tasks: no ingress, HTTPS egress only');
    const { egress } = stage.config.build;

    const lambdaHttps = new VpcSecurityGroupEgressRule(this, 'lambda-https-egress', {
      securityGroupId: this.lambda.id,
      description: 'HTTPS to AWS APIs (through NAT or gateway endpoints)',
      ipProtocol: 'tcp',
      fromPort: HTTPS_PORT,
      toPort: HTTPS_PORT,
      cidrIpv4: ANYWHERE,
    });
    const lambdaPostgres = new VpcSecurityGroupEgressRule(this, 'lambda-postgres-egress', {
      securityGroupId: this.lambda.id,
      description: 'PostgreSQL to Aurora',
      ipProtocol: 'tcp',
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      referencedSecurityGroupId: this.database.id,
    });
    const databaseFromLambda = new VpcSecurityGroupIngressRule(this, 'db-postgres-from-lambda', {
      securityGroupId: this.database.id,
      description: 'PostgreSQL from FABLE Lambdas',
      ipProtocol: 'tcp',
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      referencedSecurityGroupId: this.lambda.id,
    });
    this.databasePath = [lambdaHttps, lambdaPostgres, databaseFromLambda];
    // aws-only: BuildEndpoints gives the build group its only egress (the endpoints and S3).
    if (egress === 'internet') {
      new VpcSecurityGroupEgressRule(this, 'build-https-egress', {
        securityGroupId: this.buildTask.id,
        description: 'HTTPS anywhere through NAT: Bedrock, S3, ECR, CloudWatch Logs, package registries',
        ipProtocol: 'tcp',
        fromPort: HTTPS_PORT,
        toPort: HTTPS_PORT,
        cidrIpv4: ANYWHERE,
      });
    }
  }
}
