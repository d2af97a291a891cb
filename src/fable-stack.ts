import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { StageConfig } from './config';
import { AwsEnvironment } from './platform/aws-environment';
import { FableVpc } from './network/vpc';
import { SecurityGroups } from './network/security-groups';
import { AuroraDatabase } from './data/aurora';
import { FableTables } from './data/tables';
import { createArtifactsBucket } from './data/artifacts-bucket';
import { WebSocketApi } from './api/websocket-api';
import { MemoryService } from './memory/memory-service';
import { ToolHosting } from './tools/tool-hosting';
import { BuildRepository } from './pipeline/build-repository';
import { BuildImage } from './build-image/build-image';
import { BuildPipeline } from './pipeline/build-pipeline';
import { ConversationFunctions } from './conversation/conversation-functions';
import { useS3Backend } from './stacks/backend';
import { useAwsProvider } from './stacks/aws-provider';
import type { LambdaBundles } from './bundling/lambda-bundle';

export interface FableStackProps {
  readonly config: StageConfig;
  readonly bundles: LambdaBundles;
}

/** `fable-<stage>`: composes FABLE's constructs for one stage; nothing else. */
export class FableStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: FableStackProps) {
    super(scope, id);
    const { config, bundles } = props;
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
    const tables = new FableTables(this, 'tables', { config });
    const artifacts = createArtifactsBucket(this, config, env);
    // Created before the functions: they need its management endpoint; routes are added last.
    const websocket = new WebSocketApi(this, 'websocket', { config, env });

    const memory = new MemoryService(this, 'memory', { config, env, bundles, database, vpc: network, securityGroups });
    const tools = new ToolHosting(this, 'tools', { config, env, bundles, tables, artifacts, memory: memory.memory });
    const buildRepository = new BuildRepository(this, 'build-repository', { config });
    const buildImage = new BuildImage(this, 'build-image', { config, repository: buildRepository });
    const pipeline = new BuildPipeline(this, 'build-pipeline', {
      config,
      env,
      bundles,
      tables,
      artifacts,
      vpc: network,
      securityGroups,
      websocket,
      toolDeployer: tools.toolDeployer,
      repository: buildRepository,
      imageUri: buildImage.imageUri,
    });
    new ConversationFunctions(this, 'conversation', {
      config,
      env,
      bundles,
      tables,
      websocket,
      memory: memory.memory,
      buildKickoff: pipeline.buildKickoff,
      tools,
    });

    this.output('WebSocketUrl', websocket.url);
    this.output('AuroraEndpoint', database.endpoint);
    this.output('ArtifactsBucketName', artifacts.name);
    this.output('ToolDeployerArn', tools.toolDeployer.arn);
    this.output('ToolExecutionRoleArn', tools.executionRole.arn);
    this.output('BuildRepositoryUri', buildRepository.repositoryUrl);
    this.output('BuildClusterArn', pipeline.cluster.arn);
    this.output('BuildStateMachineArn', pipeline.stateMachine.arn);
    this.output('BuildKickoffArn', pipeline.buildKickoff.arn);
  }

  /** Outputs keep the exact names of DESIGN.md section 3. */
  private output(name: string, value: string): void {
    new TerraformOutput(this, name, { value }).overrideLogicalId(name);
  }
}
