/**
 * StageConfig.build.egress: `internet` (443 anywhere, through NAT) and `aws-only` (interface
 * endpoints for ECR, CloudWatch Logs, STS and Bedrock behind their own group, S3 through its
 * gateway endpoint, and nothing else) both synthesize, with exactly the expected resources.
 */
import { buildEgress } from '../../../src/network/build-endpoints';
import { SecurityGroups } from '../../../src/network/security-groups';
import { FableVpc } from '../../../src/network/vpc';
import { stageConfig, type BuildEgress } from '../../../src/config';
import { resourcesOf, synthJson, type StackJson } from '../../helpers/synth';
import { testStage } from '../../helpers/stage';

function synthNetwork(egress: BuildEgress): StackJson {
  const { stack } = testStage({ change: (config) => ({ ...config, build: { ...config.build, egress } }) });
  const network = new FableVpc(stack, 'network');
  const groups = new SecurityGroups(stack, 'security-groups', { vpcId: network.vpc.id });
  buildEgress(stack, network, groups);
  return synthJson(stack);
}

const buildEgressRules = (stack: StackJson) =>
  resourcesOf(stack, 'aws_vpc_security_group_egress_rule').filter((r) => r.security_group_id.includes('build-sg'));

describe('build egress', () => {
  it('defaults to internet in dev and prod (the oi agent installs npm dependencies)', () => {
    expect(stageConfig('dev').build.egress).toBe('internet');
    expect(stageConfig('prod').build.egress).toBe('internet');
  });

  it('internet: one rule, HTTPS anywhere; no interface endpoint, no endpoint group', () => {
    const stack = synthNetwork('internet');
    expect(buildEgressRules(stack)).toEqual([
      expect.objectContaining({ from_port: 443, to_port: 443, ip_protocol: 'tcp', cidr_ipv4: '0.0.0.0/0' }),
    ]);
    expect(resourcesOf(stack, 'aws_vpc_endpoint').map((e) => e.vpc_endpoint_type)).toEqual(['Gateway', 'Gateway']);
    expect(resourcesOf(stack, 'aws_security_group').map((g) => g.name).sort()).toEqual(['fable-dev-build-sg', 'fable-dev-db-sg', 'fable-dev-lambda-sg']);
  });

  it('aws-only: build tasks reach only the interface endpoints and S3 (prefix list), on 443; no rule to a CIDR', () => {
    const stack = synthNetwork('aws-only');
    const rules = buildEgressRules(stack);
    expect(rules).toEqual([
      expect.objectContaining({ from_port: 443, to_port: 443, ip_protocol: 'tcp', referenced_security_group_id: expect.stringContaining('endpoints-sg') }),
      expect.objectContaining({ from_port: 443, to_port: 443, ip_protocol: 'tcp', prefix_list_id: expect.stringContaining('aws_vpc_endpoint.network_s3-endpoint') }),
    ]);
    for (const rule of rules) expect(rule.cidr_ipv4).toBeUndefined();
  });

  it('aws-only: interface endpoints for ECR (api, dkr), Logs, STS, Bedrock runtime and Bedrock, private DNS, in the private subnets, behind the endpoint group', () => {
    const stack = synthNetwork('aws-only');
    const interfaces = resourcesOf(stack, 'aws_vpc_endpoint').filter((e) => e.vpc_endpoint_type === 'Interface');
    // The region is the provider's (a data source reference until apply).
    expect(interfaces.map((e) => e.service_name.replace(/^com\.amazonaws\.\$\{data\.aws_region\.[^}]+\}\./, '')).sort()).toEqual(
      ['bedrock', 'bedrock-runtime', 'ecr.api', 'ecr.dkr', 'logs', 'sts'],
    );
    for (const endpoint of interfaces) {
      expect(endpoint.private_dns_enabled).toBe(true);
      expect(endpoint.subnet_ids).toEqual([expect.stringContaining('private-0'), expect.stringContaining('private-1')]);
      expect(endpoint.security_group_ids).toEqual([expect.stringContaining('endpoints-sg')]);
    }
    // The gateway endpoints stay (S3 for artifacts and image layers).
    expect(resourcesOf(stack, 'aws_vpc_endpoint').filter((e) => e.vpc_endpoint_type === 'Gateway').map((e) => e.service_name.split('.').pop()).sort()).toEqual(['dynamodb', 's3']);
  });

  it('aws-only: the endpoint group admits HTTPS from the build group only', () => {
    const stack = synthNetwork('aws-only');
    const ingress = resourcesOf(stack, 'aws_vpc_security_group_ingress_rule').filter((r) => r.security_group_id.includes('endpoints-sg'));
    expect(ingress).toEqual([
      expect.objectContaining({ from_port: 443, to_port: 443, ip_protocol: 'tcp', referenced_security_group_id: expect.stringContaining('build-sg') }),
    ]);
    expect(ingress[0].cidr_ipv4).toBeUndefined();
    expect(resourcesOf(stack, 'aws_vpc_security_group_egress_rule').filter((r) => r.security_group_id.includes('endpoints-sg'))).toEqual([]);
  });
});
