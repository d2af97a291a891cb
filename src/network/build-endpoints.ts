import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { FableStage } from '../stage/fable-stage';
import { HTTPS_PORT, type SecurityGroups } from './security-groups';
import type { FableVpc } from './vpc';

/**
 * What a build task reaches in `aws-only` egress, besides S3 (its gateway endpoint): pulling the
 * image (ecr.api, ecr.dkr; layers come from S3), awslogs (logs), the agent's AssumeRole (sts),
 * the models (bedrock-runtime) and Claude Code's inference-profile lookups (bedrock).
 */
export const BUILD_INTERFACE_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'logs', 'sts', 'bedrock-runtime', 'bedrock'] as const;

export interface BuildEndpointsProps {
  readonly vpcId: string;
  readonly privateSubnetIds: readonly string[];
  readonly buildSecurityGroupId: string;
  /** The S3 gateway endpoint's prefix list (S3's address ranges in this region). */
  readonly s3PrefixListId: string;
}

/**
 * `StageConfig.build.egress = 'aws-only'`: interface endpoints (private DNS, in the private
 * subnets) behind their own security group, which admits HTTPS from build tasks only; the build
 * security group may then reach those endpoints and S3's prefix list on 443, and nothing else,
 * so a build task has no path to the internet.
 */
export class BuildEndpoints extends Construct {
  readonly securityGroup: SecurityGroup;
  readonly endpoints: VpcEndpoint[];

  constructor(scope: Construct, id: string, props: BuildEndpointsProps) {
    super(scope, id);
    const stage = FableStage.of(this);
    const { region } = stage.env;
    this.securityGroup = new SecurityGroup(this, 'endpoints-sg', {
      name: stage.name('endpoints-sg'),
      description: 'FABLE interface endpoints for build tasks: HTTPS from the build security group only',
      vpcId: props.vpcId,
      tags: { Name: stage.name('endpoints-sg') },
    });
    new VpcSecurityGroupIngressRule(this, 'endpoints-https-from-build', {
      securityGroupId: this.securityGroup.id,
      description: 'HTTPS from FABLE build tasks',
      ipProtocol: 'tcp',
      fromPort: HTTPS_PORT,
      toPort: HTTPS_PORT,
      referencedSecurityGroupId: props.buildSecurityGroupId,
    });
    this.endpoints = BUILD_INTERFACE_ENDPOINTS.map(
      (service) =>
        new VpcEndpoint(this, `${service}-endpoint`, {
          vpcId: props.vpcId,
          serviceName: `com.amazonaws.${region}.${service}`,
          vpcEndpointType: 'Interface',
          privateDnsEnabled: true,
          subnetIds: [...props.privateSubnetIds],
          securityGroupIds: [this.securityGroup.id],
          tags: { Name: stage.name(`${service.replace('.', '-')}-endpoint`) },
        }),
    );
    new VpcSecurityGroupEgressRule(this, 'build-https-to-endpoints', {
      securityGroupId: props.buildSecurityGroupId,
      description: 'HTTPS to the interface endpoints (ECR, CloudWatch Logs, STS, Bedrock)',
      ipProtocol: 'tcp',
      fromPort: HTTPS_PORT,
      toPort: HTTPS_PORT,
      referencedSecurityGroupId: this.securityGroup.id,
    });
    new VpcSecurityGroupEgressRule(this, 'build-https-to-s3', {
      securityGroupId: props.buildSecurityGroupId,
      description: 'HTTPS to S3 through its gateway endpoint (artifacts, image layers)',
      ipProtocol: 'tcp',
      fromPort: HTTPS_PORT,
      toPort: HTTPS_PORT,
      prefixListId: props.s3PrefixListId,
    });
  }
}

/** The build tasks' egress of `StageConfig.build.egress`: the endpoints of `aws-only`; `internet` needs nothing more (SecurityGroups opens 443 through NAT). */
export function buildEgress(scope: Construct, network: FableVpc, groups: SecurityGroups): BuildEndpoints | undefined {
  if (FableStage.of(scope).config.build.egress !== 'aws-only') return undefined;
  return new BuildEndpoints(scope, 'build-endpoints', {
    vpcId: network.vpc.id,
    privateSubnetIds: network.privateSubnets.map((s) => s.id),
    buildSecurityGroupId: groups.buildTask.id,
    s3PrefixListId: network.s3Endpoint.prefixListId,
  });
}
