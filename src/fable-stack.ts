import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { StageConfig } from './config';
import type { LambdaBundles } from './bundling/lambda-bundle';
import { FableStage } from './stage/fable-stage';
import { FableVpc } from './network/vpc';
import { SecurityGroups } from './network/security-groups';
import { buildEgress } from './network/build-endpoints';
import { AuroraDatabase } from './data/aurora';
import { FableTables } from './data/tables';
import { ArtifactsBucket } from './data/artifacts-bucket';
import { WebSocketApi } from './api/websocket-api';
import { MemoryService } from './memory/memory-service';
import { ToolHosting } from './tools/tool-hosting';
import { BuildRepository } from './pipeline/build-repository';
import { BuildImage } from './build-image/build-image';
import { BuildPipeline } from './pipeline/build-pipeline';
import { ConversationFunctions } from './conversation/conversation-functions';
import { UserPool } from './identity/user-pool';
import { ConnectAuthorizer } from './identity/connect-authorizer';
import { Operations } from './operations/operations';
import { UserData } from './data-rights/user-data';
import { stateKey, useStateBackend } from './stacks/backend';
import { useAwsProvider } from './stacks/aws-provider';

export interface FableStackProps {
  readonly config: StageConfig;
  readonly bundles: LambdaBundles;
}

/** `fable-<stage>`: composes FABLE's constructs for one stage; nothing else. */
export class FableStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: FableStackProps) {
    super(scope, id);
    const { config } = props;
    useStateBackend(this, { bucket: config.stateBucket, key: stateKey(config.stage), region: config.region });
    useAwsProvider(this, config.region, config.stage);
    new FableStage(this, props);

    const network = new FableVpc(this, 'network');
    const securityGroups = new SecurityGroups(this, 'security-groups', { vpcId: network.vpc.id });
    buildEgress(this, network, securityGroups);
    const database = new AuroraDatabase(this, 'database', {
      isolatedSubnetIds: network.isolatedSubnets.map((s) => s.id),
      securityGroupId: securityGroups.database.id,
    });
    new FableTables(this, 'tables');
    const artifacts = new ArtifactsBucket(this, 'artifacts');
    const websocket = new WebSocketApi(this, 'websocket');
    const users = new UserPool(this, 'users');
    new ConnectAuthorizer(this, 'connect-authorizer', { websocket });

    new MemoryService(this, 'memory', { database, vpc: network, securityGroups });
    const tools = new ToolHosting(this, 'tools');
    new ConversationFunctions(this, 'conversation', { websocket });
    new UserData(this, 'data-rights');
    const buildRepository = new BuildRepository(this, 'build-repository');
    const buildImage = new BuildImage(this, 'build-image', { repository: buildRepository });
    const pipeline = new BuildPipeline(this, 'build-pipeline', {
      artifacts,
      vpc: network,
      securityGroups,
      toolDeployer: tools.toolDeployer,
      repository: buildRepository,
      imageUri: buildImage.imageUri,
    });
    // Last: its alarms cover what every construct above registered.
    const operations = new Operations(this, 'operations');

    this.output('WebSocketUrl', websocket.url);
    this.output('AuroraEndpoint', database.endpoint);
    this.output('ArtifactsBucketName', artifacts.name);
    this.output('ToolDeployerArn', tools.toolDeployer.arn);
    this.output('ToolExecutionRoleArn', tools.executionRole.arn);
    this.output('BuildRepositoryUri', buildRepository.repositoryUrl);
    this.output('BuildClusterArn', pipeline.tasks.cluster.arn);
    this.output('BuildStateMachineArn', pipeline.stateMachine.arn);
    this.output('BuildKickoffArn', pipeline.buildKickoff.arn);
    this.output('CognitoUserPoolId', users.pool.id);
    this.output('CognitoClientId', users.client.id);
    this.output('CognitoDomain', users.domainName);
    this.output('AlarmTopicArn', operations.topic.arn);
  }

  /** Outputs keep the exact names of DESIGN.md section 3. */
  private output(name: string, value: string): void {
    new TerraformOutput(this, name, { value }).overrideLogicalId(name);
  }
}
