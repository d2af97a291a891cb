import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { resourceName, type StageConfig } from '../config';

export const POSTGRES_PORT = 5432;
const HTTPS_PORT = 443;
const ANYWHERE = '0.0.0.0/0';

export interface SecurityGroupsProps {
  readonly config: StageConfig;
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

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    const { config, vpcId } = props;
    const group = (component: string, description: string) =>
      new SecurityGroup(this, component, {
        name: resourceName(config.stage, component),
        description,
        vpcId,
        tags: { Name: resourceName(config.stage, component) },
      });

    this.lambda = group('lambda-sg', 'FABLE Lambdas in the VPC: no ingress, egress to AWS APIs and Aurora');
    this.database = group('db-sg', 'FABLE Aurora: PostgreSQL from the Lambda security group only');
    this.buildTask = group('build-sg', 'FABLE build tasks: no ingress, HTTPS egress only');

    new VpcSecurityGroupEgressRule(this, 'lambda-https-egress', {
      securityGroupId: this.lambda.id,
      description: 'HTTPS to AWS APIs (through NAT or gateway endpoints)',
      ipProtocol: 'tcp',
      fromPort: HTTPS_PORT,
      toPort: HTTPS_PORT,
      cidrIpv4: ANYWHERE,
    });
    new VpcSecurityGroupEgressRule(this, 'lambda-postgres-egress', {
      securityGroupId: this.lambda.id,
      description: 'PostgreSQL to Aurora',
      ipProtocol: 'tcp',
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      referencedSecurityGroupId: this.database.id,
    });
    new VpcSecurityGroupIngressRule(this, 'db-postgres-from-lambda', {
      securityGroupId: this.database.id,
      description: 'PostgreSQL from FABLE Lambdas',
      ipProtocol: 'tcp',
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      referencedSecurityGroupId: this.lambda.id,
    });
    new VpcSecurityGroupEgressRule(this, 'build-https-egress', {
      securityGroupId: this.buildTask.id,
      description: 'HTTPS to Bedrock, S3, ECR and CloudWatch Logs',
      ipProtocol: 'tcp',
      fromPort: HTTPS_PORT,
      toPort: HTTPS_PORT,
      cidrIpv4: ANYWHERE,
    });
  }
}
