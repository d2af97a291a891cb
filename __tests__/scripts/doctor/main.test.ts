/**
 * End to end through main(): argument parsing, the settings of src/config.ts, the real command
 * runner with stub terraform and docker on PATH, and every AWS client mocked.
 */
import { APIGatewayClient, GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { BedrockClient, GetFoundationModelAvailabilityCommand, GetInferenceProfileCommand } from '@aws-sdk/client-bedrock';
import { DescribeDBEngineVersionsCommand, DescribeOrderableDBInstanceOptionsCommand, RDSClient } from '@aws-sdk/client-rds';
import { HeadBucketCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { API_GATEWAY_LOGGING_ROLE_NAME } from '../../../src/api/api-gateway-logging';
import { iamName, stageConfig } from '../../../src/config';
import { awsClients } from '../../../scripts/doctor/aws-clients';
import { commandRunner } from '../../../scripts/doctor/command';
import { main, USAGE } from '../../../scripts/doctor/main';
import { ACCOUNT, CALLER_ARN, dockerInfo, PROJECT_ROOT, Sandbox } from '../../helpers/doctor-harness';

const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
const rds = mockClient(RDSClient);
const bedrock = mockClient(BedrockClient);
const apiGateway = mockClient(APIGatewayClient);

const BUCKET = 'acme-fable-terraform-state';
const dev = stageConfig('dev');
const AURORA = dev.aurora.engineVersion;
/** The foundation model behind the router's inference profile. */
const ROUTER_MODEL = dev.models.routerModelId.replace(/^[a-z-]+\./, '');
const MODEL_IDS = [...new Set(Object.entries(dev.models).flatMap(([key, value]) => (key.endsWith('ModelId') ? [String(value)] : [])))];

/** A ready account: credentials, its own state bucket, a creatable Aurora version, accessible models. */
function givenReadyAccount(): void {
  for (const mock of [sts, s3, rds, bedrock, apiGateway]) mock.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: CALLER_ARN });
  s3.on(HeadBucketCommand).resolves({ BucketRegion: 'us-west-2' });
  apiGateway.on(GetAccountCommand).resolves({});
  rds.on(DescribeDBEngineVersionsCommand).resolves({
    DBEngineVersions: [
      { Engine: 'aurora-postgresql', EngineVersion: AURORA, ServerlessV2FeaturesSupport: { MinCapacity: 0, MaxCapacity: 256 } },
    ],
  });
  rds.on(DescribeOrderableDBInstanceOptionsCommand).resolves({ OrderableDBInstanceOptions: [{ DBInstanceClass: 'db.serverless' }] });
  bedrock.on(GetInferenceProfileCommand).callsFake(({ inferenceProfileIdentifier }: { inferenceProfileIdentifier: string }) => ({
    status: 'ACTIVE',
    models: [{ modelArn: `arn:aws:bedrock:us-east-1::foundation-model/${inferenceProfileIdentifier.replace(/^[a-z-]+\./, '')}` }],
  }));
  bedrock.on(GetFoundationModelAvailabilityCommand).callsFake(({ modelId }: { modelId: string }) => ({
    modelId,
    agreementAvailability: { status: 'AVAILABLE' },
    authorizationStatus: 'AUTHORIZED',
    entitlementAvailability: 'AVAILABLE',
    regionAvailability: 'AVAILABLE',
  }));
}

describe('npm run doctor: main()', () => {
  let box: Sandbox;
  let regions: string[];
  beforeEach(() => {
    box = new Sandbox();
    box.env.FABLE_STATE_BUCKET = BUCKET;
    regions = [];
    givenReadyAccount();
  });
  afterEach(() => box.cleanup());

  async function doctor(...argv: string[]): Promise<{ code: number; lines: string[]; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, {
      env: box.env,
      run: commandRunner(box.env),
      awsClients: (region) => {
        regions.push(region);
        return awsClients(region);
      },
      binfmtDir: box.binfmtDir,
      hostArch: 'x64',
      projectDir: PROJECT_ROOT,
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
    });
    return { code, lines: stdout.split('\n'), stderr };
  }

  const statusOf = (lines: string[], name: string) => lines.find((line) => line.slice(6).startsWith(name))?.slice(0, 4);

  test('a ready machine and account: every line PASS, exit code 0', async () => {
    const { code, lines, stderr } = await doctor('--stage', 'dev');
    expect(lines.slice(0, 9)).toEqual([
      'FABLE doctor: dev in us-west-2',
      '',
      "PASS  terraform: Terraform 1.11.4 (terraform), >= 1.10 as the S3 backend's use_lockfile needs",
      `PASS  aws credentials (us-west-2): account ${ACCOUNT}, ${CALLER_ARN}, region us-west-2 (stage default)`,
      `PASS  state bucket (us-west-2): ${BUCKET} exists in us-west-2 and belongs to this account (${ACCOUNT})`,
      `PASS  api gateway logging role (us-west-2): not set: fable-bootstrap will set it to arn:aws:iam::${ACCOUNT}:role/${API_GATEWAY_LOGGING_ROLE_NAME}`,
      'PASS  docker (dev): daemon 28.2.2 on linux/arm64 builds the linux/arm64 build image natively',
      `PASS  aurora (dev): aurora-postgresql ${AURORA} can be created in us-west-2 with Serverless v2 and 0 ACU auto-pause`,
      expect.stringMatching(/^PASS {2}bedrock \(dev\) /),
    ]);
    const bedrockLines = lines.filter((line) => line.includes('bedrock (dev)'));
    expect(bedrockLines).toHaveLength(MODEL_IDS.length);
    for (const modelId of MODEL_IDS)
      expect(bedrockLines.some((line) => line.startsWith('PASS') && line.includes(`: ${modelId}`))).toBe(true);
    expect(lines.slice(-3)).toEqual(['', `${6 + MODEL_IDS.length} passed, 0 warned, 0 failed, 0 skipped: ready for \`cdktf deploy\``, '']);
    expect(box.calls()).toEqual(['terraform version -json', 'docker info --format {{json .}}']);
    expect(regions).toEqual(['us-west-2']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  test.each([
    ['terraform', () => (box.env.STUB_TERRAFORM_VERSION = '1.9.8')],
    ['state bucket', () => delete box.env.FABLE_STATE_BUCKET],
    [
      'state bucket',
      () =>
        s3
          .on(HeadBucketCommand)
          .rejects(new S3ServiceException({ name: 'Forbidden', $fault: 'client', $metadata: { httpStatusCode: 403 } })),
    ],
    ['docker', () => (box.env.STUB_DOCKER_INFO = dockerInfo('x86_64'))],
    ['aurora', () => rds.on(DescribeDBEngineVersionsCommand).resolves({ DBEngineVersions: [] })],
    [
      'bedrock (dev) router',
      () =>
        bedrock.on(GetFoundationModelAvailabilityCommand, { modelId: ROUTER_MODEL }).resolves({ authorizationStatus: 'NOT_AUTHORIZED' }),
    ],
    [
      'api gateway logging role',
      () => apiGateway.on(GetAccountCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })),
    ],
  ])('a failing %s check alone fails the run: exit code 1, with its fix', async (name, breakIt) => {
    breakIt();
    const { code, lines } = await doctor('--stage', 'dev');
    expect(statusOf(lines, name)).toBe('FAIL');
    const failing = lines.filter((line) => line.startsWith('FAIL'));
    expect(failing.every((line) => line.slice(6).startsWith(name.split(' (')[0]))).toBe(true);
    expect(lines[lines.indexOf(failing[0]) + 1]).toMatch(/^ {6}fix: /);
    expect(lines.at(-2)).toMatch(/failed, 0 skipped: fix each FAIL above, then run `npm run doctor` again before `cdktf deploy`$/);
    expect(code).toBe(1);
  });

  test('without credentials the AWS checks are skipped and the run fails', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const { code, lines } = await doctor();
    expect(lines.filter((line) => /^[A-Z]{4} {2}/.test(line)).map((line) => line.slice(0, line.indexOf(':')))).toEqual([
      'PASS  terraform',
      'FAIL  aws credentials (us-west-2)',
      'SKIP  state bucket (us-west-2)',
      'SKIP  api gateway logging role (us-west-2)',
      'PASS  docker (dev)',
      'SKIP  aurora (dev)',
      'SKIP  bedrock (dev)',
    ]);
    expect(s3.calls().length + rds.calls().length + bedrock.calls().length + apiGateway.calls().length).toBe(0);
    expect(code).toBe(1);
  });

  test("a warning alone (another team's API Gateway role) keeps exit code 0", async () => {
    apiGateway.on(GetAccountCommand).resolves({ cloudwatchRoleArn: `arn:aws:iam::${ACCOUNT}:role/apigw-logs` });
    const { code, lines } = await doctor('--stage', 'dev');
    expect(statusOf(lines, 'api gateway logging role')).toBe('WARN');
    expect(lines.at(-2)).toMatch(/ 1 warned, 0 failed, 0 skipped: ready for `cdktf deploy`$/);
    expect(code).toBe(0);
  });

  test('checks every selected stage, the account-wide ones once per region; --region moves them all', async () => {
    const { code, lines } = await doctor('--stage', 'dev,prod', '--region', 'eu-west-1');
    expect(lines[0]).toBe('FABLE doctor: dev in eu-west-1, prod in eu-west-1');
    expect(lines.filter((line) => line.includes('aws credentials'))).toEqual([
      `PASS  aws credentials (eu-west-1): account ${ACCOUNT}, ${CALLER_ARN}, region eu-west-1 (--region)`,
    ]);
    expect(lines.filter((line) => /^\w{4} {2}(docker|aurora) /.test(line)).map((line) => line.slice(6, line.indexOf(':')))).toEqual([
      'docker (dev)',
      'aurora (dev)',
      'docker (prod)',
      'aurora (prod)',
    ]);
    expect(regions).toEqual(['eu-west-1']);
    expect(lines).toContain(
      `PASS  api gateway logging role (eu-west-1): not set: fable-bootstrap will set it to arn:aws:iam::${ACCOUNT}:role/${iamName(
        API_GATEWAY_LOGGING_ROLE_NAME,
        'eu-west-1',
      )}`,
    );
    // The bucket answered from us-west-2: not where the eu-west-1 backend looks.
    expect(statusOf(lines, 'state bucket')).toBe('FAIL');
    expect(code).toBe(1);
  });

  test('--help prints the usage and exits 0', async () => {
    const { code, lines } = await doctor('--help');
    expect(lines.join('\n')).toBe(USAGE);
    expect(code).toBe(0);
  });

  test.each([
    [['--stag', 'dev'], "doctor: Unknown option '--stag'"],
    [['--stage', 'qa'], 'doctor: Unknown stage "qa"'],
    [['dev'], "doctor: Unexpected argument 'dev'"],
  ])('bad arguments %j: the message and the usage on stderr, exit code 1', async (argv, message) => {
    const { code, lines, stderr } = await doctor(...argv);
    expect(stderr.startsWith(message)).toBe(true);
    expect(stderr.endsWith(`\n\n${USAGE}`)).toBe(true);
    expect(lines).toEqual(['']);
    expect(code).toBe(1);
  });
});
