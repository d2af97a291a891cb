import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { StageConfig } from '../config';
import { AwsEnvironment } from '../platform/aws-environment';
import { FableVpc } from '../network/vpc';
import { SecurityGroups } from '../network/security-groups';
import { AuroraDatabase } from '../data/aurora';
import { FableTables } from '../data/tables';
import { createArtifactsBucket } from '../data/artifacts-bucket';
import { useS3Backend } from './backend';
import { useAwsProvider } from './aws-provider';
import type { LambdaBundles } from '../bundling/lambda-bundle';

export interface FableStackProps {
  readonly config: StageConfig;
  readonly bundles: LambdaBundles;
}

/** `fable-<stage>`: composes FABLE's constructs for one stage; nothing else. */
export class FableStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: FableStackProps) {
    super(scope, id);
    const { config } = props;
    useS3Backend(this, config);
    useAwsProvider(this, config.region, config.stage);

    const env = new AwsEnvironment(this, 'env');
    const network = new FableVpc(this, 'network', { config, env });
    const securityGroups = new SecurityGroups(this, 'security-groups', { config, vpcId: network.vpc.id });
    const database = new AuroraDatabase(this, 'database', {
      config,
      isolatedSubnetIds: network.isolatedSubnets.map((s) => s.id),
      securityGroupId: securityGroups.database.id,
    });
    new FableTables(this, 'tables', { config });
    const artifacts = createArtifactsBucket(this, config, env);

    this.output('AuroraEndpoint', database.endpoint);
    this.output('ArtifactsBucketName', artifacts.name);
  }

  /** Outputs keep the exact names of DESIGN.md section 3. */
  private output(name: string, value: string): void {
    new TerraformOutput(this, name, { value }).overrideLogicalId(name);
  }
}
