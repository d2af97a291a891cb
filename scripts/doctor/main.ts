import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkApiGatewayAccount } from './api-gateway';
import { checkAurora } from './aurora';
import { awsClients, type AwsClients } from './aws-clients';
import { checkBedrockModels } from './bedrock';
import { commandRunner, type RunCommand } from './command';
import { checkCredentials } from './credentials';
import { checkDocker } from './docker';
import { exitCode, formatResult, summary } from './report';
import { skip, type CheckResult } from './result';
import { readSettings, type DoctorSettings, type StageSettings } from './settings';
import { checkStateBucket } from './state-bucket';
import { checkTerraform } from './terraform';

export const USAGE = `Usage: npm run doctor -- [--stage <name>]... [--region <region>]

Checks what \`cdktf deploy\` needs from this machine and the AWS account, one line per check
(PASS, WARN, FAIL, or SKIP when an earlier failure makes a check impossible), with the fix for each
problem: Terraform, AWS credentials, the state bucket, Docker, the Aurora version, Bedrock model
access and the account's API Gateway logging role.

  --stage <name>      stage to check; repeat it or separate names with commas
                      (default: the cdktf context "stages" of cdktf.json or CDKTF_CONTEXT_JSON)
  --region <region>   AWS region (default: FABLE_REGION, else the stage's region)
  -h, --help          show this help

Exit codes: 0 nothing failed (warnings allowed), 1 a check failed or the arguments are wrong.
`;

/** Everything the doctor reaches outside itself, so tests can stand in for each. */
export interface DoctorDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly run: RunCommand;
  readonly awsClients: (region: string) => AwsClients;
  readonly binfmtDir: string;
  readonly hostArch: string;
  /** Directory holding cdktf.json. */
  readonly projectDir: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export function defaultDeps(): DoctorDeps {
  return {
    env: process.env,
    run: commandRunner(process.env),
    awsClients,
    binfmtDir: '/proc/sys/fs/binfmt_misc',
    hostArch: process.arch,
    projectDir: resolve(__dirname, '..', '..'),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
}

function stagesByRegion(stages: readonly StageSettings[]): Map<string, StageSettings[]> {
  const byRegion = new Map<string, StageSettings[]>();
  for (const stage of stages) byRegion.set(stage.region, [...(byRegion.get(stage.region) ?? []), stage]);
  return byRegion;
}

/** Runs every check, printing each line as it completes; resolves to the exit code. */
export async function main(argv: readonly string[], deps: DoctorDeps): Promise<number> {
  let settings: DoctorSettings;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { stage: { type: 'string', multiple: true }, region: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      deps.stdout(USAGE);
      return 0;
    }
    settings = readSettings({ env: deps.env, projectDir: deps.projectDir, stageFlags: values.stage ?? [], regionFlag: values.region });
  } catch (error) {
    deps.stderr(`doctor: ${(error as Error).message}\n\n${USAGE}`);
    return 1;
  }

  const results: CheckResult[] = [];
  const report = (result: CheckResult) => {
    results.push(result);
    deps.stdout(formatResult(result));
  };
  deps.stdout(`FABLE doctor: ${settings.stages.map((stage) => `${stage.stage} in ${stage.region}`).join(', ')}\n\n`);
  report(await checkTerraform(deps.run, deps.env));
  for (const [region, stages] of stagesByRegion(settings.stages)) {
    const clients = deps.awsClients(region);
    // Credentials, the state bucket and the API Gateway setting belong to the account and region, not to a stage.
    const { result, identity } = await checkCredentials(clients.sts, stages[0]);
    report(result);
    report(await checkStateBucket(clients.s3, settings.stateBucket, identity, region));
    report(await checkApiGatewayAccount(clients.apiGateway, identity, region, stages[0].apiGatewayLoggingRoleName));
    for (const stage of stages) {
      report(await checkDocker(deps, stage));
      if (!identity) {
        report(skip(`aurora (${stage.stage})`, 'not checked: needs AWS credentials'));
        report(skip(`bedrock (${stage.stage})`, 'not checked: needs AWS credentials'));
        continue;
      }
      report(await checkAurora(clients.rds, stage));
      for (const modelResult of await checkBedrockModels(clients.bedrock, stage)) report(modelResult);
    }
  }
  deps.stdout(`\n${summary(results)}\n`);
  return exitCode(results);
}
