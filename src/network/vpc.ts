import { Construct } from 'constructs';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import type { ITerraformDependable } from 'cdktf';
import { AVAILABILITY_ZONE_COUNT } from '../config';
import { FableStage } from '../stage/fable-stage';

export const VPC_CIDR = '10.0.0.0/16';

/** Subnet CIDRs per tier and AZ: small public tier, roomy private tier for Lambda/Fargate ENIs. */
const SUBNET_CIDRS = {
  public: ['10.0.0.0/24', '10.0.1.0/24'],
  private: ['10.0.16.0/20', '10.0.32.0/20'],
  isolated: ['10.0.64.0/24', '10.0.65.0/24'],
} as const;

export type SubnetTier = keyof typeof SUBNET_CIDRS;

/**
 * VPC over two AZs: public subnets (NAT gateways only), private subnets with egress through NAT
 * (Lambdas, build tasks), isolated subnets with no route out (Aurora).
 */
export class FableVpc extends Construct {
  readonly vpc: Vpc;
  readonly publicSubnets: Subnet[];
  readonly privateSubnets: Subnet[];
  readonly isolatedSubnets: Subnet[];
  readonly natGateways: NatGateway[];
  /** The S3 gateway endpoint (its prefix list is S3's address ranges). */
  readonly s3Endpoint: VpcEndpoint;
  /**
   * What must exist before something in the private subnets can reach the internet and AWS APIs
   * (NAT gateways, routes, route-table associations): depend on it when a deploy-time action runs
   * there, like aws-cdk's `internetConnectivityEstablished`.
   */
  readonly privateEgress: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stage = FableStage.of(this);
    const { config, env } = stage;
    const name = (component: string) => stage.name(component);

    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: VPC_CIDR,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: name('vpc') },
    });

    // Take over the default security group and leave it with no rules, so nothing can use it by accident.
    new DefaultSecurityGroup(this, 'default-sg', {
      vpcId: this.vpc.id,
      ingress: [],
      egress: [],
      tags: { Name: name('default-deny') },
    });

    const subnets = (tier: SubnetTier) =>
      SUBNET_CIDRS[tier].slice(0, AVAILABILITY_ZONE_COUNT).map(
        (cidrBlock, az) =>
          new Subnet(this, `${tier}-${az}`, {
            vpcId: this.vpc.id,
            cidrBlock,
            availabilityZone: env.availabilityZone(az),
            mapPublicIpOnLaunch: false,
            tags: { Name: name(`${tier}-${az}`), Tier: tier },
          }),
      );
    this.publicSubnets = subnets('public');
    this.privateSubnets = subnets('private');
    this.isolatedSubnets = subnets('isolated');

    const igw = new InternetGateway(this, 'igw', { vpcId: this.vpc.id, tags: { Name: name('igw') } });
    const publicRoutes = new RouteTable(this, 'public-rt', { vpcId: this.vpc.id, tags: { Name: name('public') } });
    new Route(this, 'public-default-route', {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: '0.0.0.0/0',
      gatewayId: igw.id,
    });
    this.publicSubnets.forEach((subnet, az) => this.associate(`public-${az}`, subnet, publicRoutes));

    this.natGateways = Array.from({ length: config.natGateways }, (_, az) => {
      const eip = new Eip(this, `nat-eip-${az}`, { domain: 'vpc', tags: { Name: name(`nat-${az}`) } });
      return new NatGateway(this, `nat-${az}`, {
        allocationId: eip.allocationId,
        subnetId: this.publicSubnets[az].id,
        tags: { Name: name(`nat-${az}`) },
        dependsOn: [igw],
      });
    });

    // One route table per private subnet: with fewer NATs than AZs, AZs share the last NAT.
    const privateRouteTables = this.privateSubnets.map((subnet, az) => {
      const table = new RouteTable(this, `private-rt-${az}`, {
        vpcId: this.vpc.id,
        tags: { Name: name(`private-${az}`) },
      });
      const route = new Route(this, `private-default-route-${az}`, {
        routeTableId: table.id,
        destinationCidrBlock: '0.0.0.0/0',
        natGatewayId: this.natGateways[Math.min(az, this.natGateways.length - 1)].id,
      });
      this.privateEgress.push(route, this.associate(`private-${az}`, subnet, table));
      return table;
    });

    this.privateEgress.push(...this.natGateways);

    // Isolated subnets get a table with only the implicit local route: no internet, no NAT.
    const isolatedRoutes = new RouteTable(this, 'isolated-rt', {
      vpcId: this.vpc.id,
      tags: { Name: name('isolated') },
    });
    this.isolatedSubnets.forEach((subnet, az) => this.associate(`isolated-${az}`, subnet, isolatedRoutes));

    // Gateway endpoints are free and keep S3/DynamoDB traffic off the NAT gateways.
    const gateway = (service: string) =>
      new VpcEndpoint(this, `${service}-endpoint`, {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${env.region}.${service}`,
        vpcEndpointType: 'Gateway',
        routeTableIds: privateRouteTables.map((t) => t.id),
        tags: { Name: name(`${service}-endpoint`) },
      });
    this.s3Endpoint = gateway('s3');
    gateway('dynamodb');
  }

  private associate(id: string, subnet: Subnet, table: RouteTable): RouteTableAssociation {
    return new RouteTableAssociation(this, `${id}-rta`, { subnetId: subnet.id, routeTableId: table.id });
  }
}
