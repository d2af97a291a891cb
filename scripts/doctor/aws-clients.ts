import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';

/** The AWS clients of one region; credentials come from the usual chain (AWS_PROFILE, env, SSO). */
export interface AwsClients {
  readonly sts: STSClient;
  readonly s3: S3Client;
  readonly rds: RDSClient;
  readonly bedrock: BedrockClient;
  readonly apiGateway: APIGatewayClient;
}

export function awsClients(region: string): AwsClients {
  return {
    sts: new STSClient({ region }),
    // A state bucket in another region answers HeadBucket with a redirect: follow it to learn its region.
    s3: new S3Client({ region, followRegionRedirects: true }),
    rds: new RDSClient({ region }),
    bedrock: new BedrockClient({ region }),
    apiGateway: new APIGatewayClient({ region }),
  };
}
