/**
 * Every non-Lambda role of fable-dev, proven against the calls its code makes, with a real IAM
 * evaluator (@cloud-copilot/iam-simulate) over the synthesized policies as AWS would hold them:
 * - the state machine: the service integrations of its rendered definition;
 * - the ECS build task: the `aws` CLI calls the entrypoint makes in its tests (stub `aws` log),
 *   including the AssumeRole of its credential endpoint;
 * - the build agent: the Bedrock calls of the models it is pinned to, and nothing else;
 * - deployed tools: writing their own logs and traces, inside the boundary.
 * Calls that must never be possible stay denied, and every synthesized policy passes the IAM
 * catalog check (each action exists; each resource is of a type the action accepts).
 */
import { readFileSync } from 'node:fs';
import { decideAll, type IamRequest, type Principal } from '../helpers/iam-simulator';
import { catalogProblems, synthDevIam, type StackIam } from '../helpers/stack-iam';
import { FAKE_ACCOUNT, FAKE_REGION } from '../helpers/terraform-tokens';
import { AGENT_ROLE_ARN, BUCKET, Harness, OI_SUCCESS, SECRETS, runCore } from '../helpers/entrypoint-harness';
import { AUDIT_CHANGE_ACTIONS } from '../../src/data/audit-table';
import { LAMBDA_NAMES } from '../../lambdas/shared/contract';

let iam: StackIam;

beforeAll(async () => {
  iam = await synthDevIam();
});

const arn = (service: string, resource: string, region = FAKE_REGION) => `arn:aws:${service}:${region}:${FAKE_ACCOUNT}:${resource}`;
const lambdaArn = (name: string) => arn('lambda', `function:${name}`);

/** Every request must be allowed; the result lists each one, so a failure names the call. */
async function expectAllowed(principal: Principal, requests: readonly IamRequest[]): Promise<void> {
  expect(requests.length).toBeGreaterThan(0);
  const decisions = await decideAll(principal, requests);
  expect(decisions.filter((d) => d.decision !== 'Allowed')).toEqual([]);
}

async function expectDenied(principal: Principal, requests: readonly IamRequest[]): Promise<void> {
  const decisions = await decideAll(principal, requests);
  expect(decisions.filter((d) => d.decision !== 'ImplicitlyDenied' && d.decision !== 'ExplicitlyDenied')).toEqual([]);
}

describe('the IAM catalog', () => {
  it('knows every action of every policy, and each resource is of a type the action accepts', async () => {
    const problems = (await Promise.all(iam.documents().map(async ({ address, document }) => (await catalogProblems(document)).map((p) => `${address}: ${p}`)))).flat();
    expect(problems).toEqual([]);
  });

  it('catches the mistakes it looks for (so a clean result means something)', async () => {
    expect(
      await catalogProblems({
        Statement: [
          { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: arn('dynamodb', 'table/t/index/*') },
          { Effect: 'Allow', Action: 'logs:CreateLogGroup', Resource: arn('logs', 'log-group:/aws/lambda/x:log-stream:*') },
          { Effect: 'Allow', Action: 'dynamodb:GetItems', Resource: arn('dynamodb', 'table/t') },
          { Effect: 'Allow', Action: 'dynamodb:Query', Resource: [arn('dynamodb', 'table/t'), arn('dynamodb', 'table/t/index/GSI1')] },
        ],
      }),
    ).toEqual([
      `dynamodb:GetItem on ${arn('dynamodb', 'table/t/index/*')}: not a table ARN`,
      `logs:CreateLogGroup on ${arn('logs', 'log-group:/aws/lambda/x:log-stream:*')}: not a log-group ARN`,
      'dynamodb:GetItems: no such action',
    ]);
  });
});

describe('the state machine role', () => {
  /** The IAM requests Step Functions makes for each task of the rendered definition (and for logging and tracing). */
  function definitionRequests(): IamRequest[] {
    const machine = iam.resource('aws_sfn_state_machine', () => true);
    const definition = JSON.parse(machine.definition);
    const task = iam.resource('aws_ecs_task_definition', () => true);
    const requests: IamRequest[] = [];
    const visit = (states: Record<string, any>) => {
      for (const state of Object.values(states)) {
        if (state.Type === 'Map') visit(state.ItemProcessor.States);
        if (state.Type !== 'Task') continue;
        const p = state.Parameters;
        switch (state.Resource) {
          // A callback task invokes the same way; the token comes back through build-kickoff's own grant.
          case 'arn:aws:states:::lambda:invoke':
          case 'arn:aws:states:::lambda:invoke.waitForTaskToken':
            requests.push({ action: 'lambda:InvokeFunction', resource: p.FunctionName });
            break;
          case 'arn:aws:states:::ecs:runTask.sync': {
            const clusterName = p.Cluster.split('/').pop();
            requests.push(
              { action: 'ecs:RunTask', resource: p.TaskDefinition, context: { 'ecs:cluster': p.Cluster } },
              { action: 'ecs:DescribeTasks', resource: arn('ecs', `task/${clusterName}/0123456789abcdef`) },
              { action: 'ecs:StopTask', resource: arn('ecs', `task/${clusterName}/0123456789abcdef`) },
              ...['events:PutTargets', 'events:PutRule', 'events:DescribeRule'].map((action) => ({
                action,
                resource: arn('events', 'rule/StepFunctionsGetEventsForECSTaskRule'),
              })),
              ...[task.task_role_arn, task.execution_role_arn].map((role: string) => ({
                action: 'iam:PassRole',
                resource: role,
                context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
              })),
            );
            break;
          }
          case 'arn:aws:states:::aws-sdk:s3:getObject': {
            // The key the task computes for a real build id.
            const [, template] = /^States\.Format\('([^']+)'/.exec(p['Key.$'])!;
            requests.push({ action: 's3:GetObject', resource: `arn:aws:s3:::${p.Bucket}/${template.replace('{}', 'b-2f6c1e0a')}` });
            break;
          }
          default:
            throw new Error(`no IAM mapping for task resource ${state.Resource}`);
        }
      }
    };
    visit(definition.States);
    return [
      ...requests,
      // Logging to CloudWatch Logs (level ALL) and active tracing.
      ...['logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'].map((action) => ({ action, resource: '*' })),
      ...['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'].map((action) => ({ action, resource: '*' })),
    ];
  }

  it('may make every call of its definition, with logging and tracing', async () => {
    const requests = definitionRequests();
    expect(new Set(requests.map((r) => r.action))).toEqual(
      new Set(['lambda:InvokeFunction', 'ecs:RunTask', 'ecs:DescribeTasks', 'ecs:StopTask', 'events:PutTargets', 'events:PutRule', 'events:DescribeRule', 'iam:PassRole', 's3:GetObject', 'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets']),
    );
    await expectAllowed(iam.principal('fable-dev-build-pipeline'), requests);
  });

  it('may do nothing its definition does not: no other function, no other task definition, no spec, no role for another service', async () => {
    await expectDenied(iam.principal('fable-dev-build-pipeline'), [
      { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-chat') },
      { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-tool-weather') },
      { action: 'ecs:RunTask', resource: arn('ecs', 'task-definition/fable-dev-build:2'), context: { 'ecs:cluster': arn('ecs', 'cluster/fable-dev-builds') } },
      { action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/builds/b-2f6c1e0a/spec.json` },
      { action: 'iam:PassRole', resource: `arn:aws:iam::${FAKE_ACCOUNT}:role/fable-dev-build-task`, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
    ]);
  });
});

describe('the build task role and the agent role', () => {
  /** The IAM requests of the `aws` CLI calls the entrypoint made (the stub aws logs each command line with the key it signs with). */
  function cliRequests(log: string): IamRequest[] {
    return log
      .split('\n')
      .filter((line) => line !== '')
      .map((line): IamRequest => {
        const [signer, ...words] = line.split(' ');
        expect(signer).toBe(SECRETS.AWS_ACCESS_KEY_ID); // every call of the entrypoint is the task role's
        if (words[0] === 'sts' && words[1] === 'assume-role') {
          return { action: 'sts:AssumeRole', resource: words[words.indexOf('--role-arn') + 1] };
        }
        if (words[0] === 's3api' && words[1] === 'head-object') {
          const value = (flag: string) => words[words.indexOf(flag) + 1];
          return { action: 's3:GetObject', resource: `arn:aws:s3:::${value('--bucket')}/${value('--key')}` };
        }
        if (words[0] === 's3' && words[1] === 'cp') {
          const [src, dst] = words.slice(2).filter((w) => !w.startsWith('--') && w !== 'application/json');
          const [action, url] = src.startsWith('s3://') ? ['s3:GetObject', src] : ['s3:PutObject', dst];
          return { action, resource: `arn:aws:s3:::${url.slice('s3://'.length)}` };
        }
        throw new Error(`no IAM mapping for aws ${line}`);
      });
  }

  /** The Bedrock calls Claude Code makes: every model it is pinned to, and the profile lookups. */
  function agentRequests(): IamRequest[] {
    const task = iam.resource('aws_ecs_task_definition', () => true);
    const environment: { name: string; value: string }[] = JSON.parse(task.container_definitions)[0].environment;
    const models = [...new Set(environment.filter((e) => /^(ANTHROPIC_.*MODEL|CLAUDE_CODE_SUBAGENT_MODEL)$/.test(e.name)).map((e) => e.value))];
    expect(models.length).toBe(2);
    return models.flatMap((profile) => {
      const foundationModel = profile.replace(/^us\./, '');
      return [
        ...['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'].flatMap((action) => [
          { action, resource: arn('bedrock', `inference-profile/${profile}`) },
          // A US cross-region profile may route to any US region.
          { action, resource: `arn:aws:bedrock:us-east-2::foundation-model/${foundationModel}` },
        ]),
        { action: 'bedrock:GetInferenceProfile', resource: arn('bedrock', `inference-profile/${profile}`) },
        { action: 'bedrock:ListInferenceProfiles', resource: '*' },
      ];
    });
  }

  let core: IamRequest[];
  let oi: IamRequest[];

  beforeAll(() => {
    const h = new Harness();
    try {
      expect(AGENT_ROLE_ARN).toBe(`arn:aws:iam::${FAKE_ACCOUNT}:role/fable-dev-build-agent`);
      runCore(h);
      core = cliRequests(readFileSync(`${h.logDir}/aws.principals`, 'utf8'));
      h.stubClaude(OI_SUCCESS);
      expect(h.run({ FABLE_PHASE: 'oi' }).code).toBe(0);
      oi = cliRequests(readFileSync(`${h.logDir}/aws.principals`, 'utf8')).slice(core.length);
    } finally {
      h.cleanup();
    }
  });

  it('the task role may make every aws call of the core and oi entrypoints (spec, outputs, workspace, tool packages, the agent role)', async () => {
    expect(new Set([...core, ...oi].map((r) => r.action))).toEqual(new Set(['s3:GetObject', 's3:PutObject', 'sts:AssumeRole']));
    expect(oi.some((r) => r.action === 's3:PutObject' && r.resource.includes('/tools/'))).toBe(true);
    await expectAllowed(iam.principal('fable-dev-build-task'), [...core, ...oi]);
  });

  it('the agent role may invoke exactly the models Claude Code is pinned to; the task role may not', async () => {
    await expectAllowed(iam.principal('fable-dev-build-agent'), agentRequests());
    await expectDenied(
      iam.principal('fable-dev-build-task'),
      agentRequests().filter((r) => r.action.startsWith('bedrock:Invoke')),
    );
  });

  it('the agent role may do nothing but invoke the models: no build\'s spec or output, no tool package, no Lambda, no role, no other model', async () => {
    const otherBuild = `arn:aws:s3:::${BUCKET}/builds/b-other`;
    await expectDenied(iam.principal('fable-dev-build-agent'), [
      { action: 's3:GetObject', resource: `${otherBuild}/spec.json` },
      { action: 's3:PutObject', resource: `${otherBuild}/core-output.json` },
      { action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/builds/b-2f6c1e0a-build/spec.json` },
      { action: 's3:PutObject', resource: `arn:aws:s3:::${BUCKET}/tools/c-to-f/${'a'.repeat(64)}.zip` },
      { action: 's3:ListBucket', resource: `arn:aws:s3:::${BUCKET}` },
      { action: 'sts:AssumeRole', resource: `arn:aws:iam::${FAKE_ACCOUNT}:role/fable-dev-build-task` },
      { action: 'sts:AssumeRole', resource: `arn:aws:iam::${FAKE_ACCOUNT}:role/fable-dev-build-agent` },
      { action: 'iam:PassRole', resource: `arn:aws:iam::${FAKE_ACCOUNT}:role/fable-dev-tool-execution` },
      { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-tool-deployer') },
      { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-memory') },
      { action: 'dynamodb:GetItem', resource: arn('dynamodb', 'table/fable-dev-builds') },
      { action: 'secretsmanager:GetSecretValue', resource: arn('secretsmanager', 'secret:rds!cluster-fable-dev-aurora-AbCdEf') },
      { action: 'bedrock:InvokeModel', resource: arn('bedrock', 'inference-profile/us.anthropic.claude-opus-4-1-20250805-v1:0') },
      { action: 'bedrock:InvokeModel', resource: 'arn:aws:bedrock:us-east-2::foundation-model/amazon.titan-embed-text-v2:0' },
      { action: 'logs:PutLogEvents', resource: arn('logs', 'log-group:/aws/ecs/fable-dev-build:log-stream:build/x') },
    ]);
  });

  it('the agent role\'s policy holds Bedrock actions only', () => {
    const statements = iam.principal('fable-dev-build-agent').policies.flatMap((p: any) => p.Statement).filter((s: any) => s.Effect === 'Allow');
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.flatMap((s: any) => [s.Action].flat()).filter((a: string) => !a.startsWith('bedrock:'))).toEqual([]);
  });

  it('the task role may not deploy Lambdas, read the database secret, read tool packages, or reach another stage\'s artifacts', async () => {
    await expectDenied(iam.principal('fable-dev-build-task'), [
      { action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/tools/weather/x.zip` },
      { action: 'lambda:CreateFunction', resource: lambdaArn('fable-dev-tool-weather') },
      { action: 'lambda:UpdateFunctionCode', resource: lambdaArn('fable-dev-tool-weather') },
      { action: 'iam:PassRole', resource: `arn:aws:iam::${FAKE_ACCOUNT}:role/fable-dev-tool-execution`, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
      { action: 'secretsmanager:GetSecretValue', resource: arn('secretsmanager', 'secret:rds!cluster-fable-dev-aurora-AbCdEf') },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::fable-prod-artifacts-123456789012/builds/b-1/spec.json' },
      { action: 'bedrock:InvokeModel', resource: arn('bedrock', 'inference-profile/us.anthropic.claude-opus-4-1-20250805-v1:0') },
    ]);
  });
});

describe('deployed tools (role and boundary)', () => {
  const tool = () => iam.principal('fable-dev-tool-execution');

  it('may write their own logs and traces', async () => {
    const stream = arn('logs', 'log-group:/aws/lambda/fable-dev-tool-weather:log-stream:2026/11/30/[$LATEST]abc');
    await expectAllowed(tool(), [
      { action: 'logs:CreateLogStream', resource: stream },
      { action: 'logs:PutLogEvents', resource: stream },
      { action: 'xray:PutTraceSegments', resource: '*' },
      { action: 'xray:PutTelemetryRecords', resource: '*' },
    ]);
  });

  it('may not invoke anything of FABLE\'s, read the artifacts bucket, create log groups, or write the deployer\'s logs', async () => {
    await expectDenied(tool(), [
      { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-tool-deployer') },
      { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-chat') },
      { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-build-kickoff') },
      { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-tool-other') },
      { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-memory') },
      { action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/tools/weather/x.zip` },
      { action: 'logs:CreateLogGroup', resource: arn('logs', 'log-group:/aws/lambda/fable-dev-tool-weather') },
      { action: 'logs:PutLogEvents', resource: arn('logs', 'log-group:/aws/lambda/fable-dev-tool-deployer:log-stream:x') },
      { action: 's3:PutObject', resource: `arn:aws:s3:::${BUCKET}/tools/weather/x.zip` },
    ]);
  });
});

describe('calls no role may make', () => {
  const SECRET = arn('secretsmanager', 'secret:rds!cluster-fable-dev-aurora-AbCdEf');

  it('only memory and db-init read the database secret', async () => {
    const readers: string[] = [];
    for (const role of iam.roleNames()) {
      const [decision] = await decideAll(iam.principal(role), [{ action: 'secretsmanager:GetSecretValue', resource: SECRET }]);
      if (decision.decision === 'Allowed') readers.push(role);
    }
    expect(readers.sort()).toEqual(['fable-dev-db-init', 'fable-dev-memory']);
  });

  it('the deployer never changes itself', async () => {
    await expectDenied(
      iam.principal('fable-dev-tool-deployer'),
      ['lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:DeleteFunction', 'lambda:AddPermission', 'lambda:CreateFunctionUrlConfig', 'lambda:InvokeFunction'].map(
        (action) => ({ action, resource: lambdaArn('fable-dev-tool-deployer'), context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } }),
      ),
    );
  });

  it('chat invokes nothing but tools and memory', async () => {
    const chat = iam.principal('fable-dev-chat');
    await expectAllowed(chat, [
      { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-memory') },
      { action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-tool-weather') },
    ]);
    await expectDenied(
      chat,
      ['router', 'chat', 'build-kickoff', 'update-build-status', 'tool-deployer', 'db-init', 'connection-manager'].map((name) => ({
        action: 'lambda:InvokeFunction',
        resource: lambdaArn(`fable-dev-${name}`),
      })),
    );
  });

  it('only the router invokes user-data (operators call it with their own credentials)', async () => {
    const invokers: string[] = [];
    for (const role of iam.roleNames()) {
      const [decision] = await decideAll(iam.principal(role), [{ action: 'lambda:InvokeFunction', resource: lambdaArn('fable-dev-user-data') }]);
      if (decision.decision === 'Allowed') invokers.push(role);
    }
    expect(invokers).toEqual(['fable-dev-router']);
  });

  describe('the audit trail', () => {
    const AUDIT = arn('dynamodb', 'table/fable-dev-audit');
    const changes = AUDIT_CHANGE_ACTIONS.map((action) => ({ action, resource: AUDIT }));

    /** The roles for which `request` is allowed. */
    async function allowedTo(request: IamRequest): Promise<string[]> {
      const roles: string[] = [];
      for (const role of iam.roleNames()) {
        const [decision] = await decideAll(iam.principal(role), [request]);
        if (decision.decision === 'Allowed') roles.push(role);
      }
      return roles.sort();
    }

    it('no role may change or delete an event, or loosen the table: every role is explicitly denied', async () => {
      const stageRoles = [...LAMBDA_NAMES, 'build-pipeline', 'build-task', 'build-task-execution', 'build-agent', 'tool-execution'].map((name) => `fable-dev-${name}`);
      expect(iam.roleNames().sort()).toEqual(stageRoles.sort());
      for (const role of iam.roleNames()) {
        const decisions = await decideAll(iam.principal(role), changes);
        expect({ role, notExplicitlyDenied: decisions.filter((d) => d.decision !== 'ExplicitlyDenied') }).toEqual({ role, notExplicitlyDenied: [] });
      }
    });

    it('the Deny outweighs any grant a role may be given later, even dynamodb:* on the table', async () => {
      const granted = iam.principal('fable-dev-user-data');
      const widened = { ...granted, policies: [...granted.policies, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: AUDIT }] }] };
      const decisions = await decideAll(widened, changes);
      expect(decisions.filter((d) => d.decision !== 'ExplicitlyDenied')).toEqual([]);
      // The same widened role may then read the table: only changes are denied.
      expect((await decideAll(widened, [{ action: 'dynamodb:GetItem', resource: AUDIT }]))[0].decision).toBe('Allowed');
    });

    it('only the Lambdas that record events may append one', async () => {
      expect(await allowedTo({ action: 'dynamodb:PutItem', resource: AUDIT })).toEqual(
        ['build-kickoff', 'chat', 'connection-manager', 'memory', 'router', 'tool-deployer', 'update-build-status', 'user-data', 'ws-authorizer'].map((name) => `fable-dev-${name}`),
      );
    });

    it('only user-data reads it (a user\'s export shows the events about them)', async () => {
      expect(await allowedTo({ action: 'dynamodb:Query', resource: `${AUDIT}/index/GSI1` })).toEqual(['fable-dev-user-data']);
      expect(await allowedTo({ action: 'dynamodb:Query', resource: AUDIT })).toEqual([]);
      expect(await allowedTo({ action: 'dynamodb:GetItem', resource: AUDIT })).toEqual([]);
    });
  });
  describe('the quotas table', () => {
    const QUOTAS = arn('dynamodb', 'table/fable-dev-quotas');
    const rolesAllowed = async (action: string): Promise<string[]> => {
      const roles: string[] = [];
      for (const role of iam.roleNames()) {
        if ((await decideAll(iam.principal(role), [{ action, resource: QUOTAS }]))[0].decision === 'Allowed') roles.push(role);
      }
      return roles.sort();
    };

    it('is changed only by the Lambdas that enforce spend caps or give a build slot back, and emptied by none', async () => {
      const named = (...names: string[]) => names.map((name) => `fable-dev-${name}`);
      expect(await rolesAllowed('dynamodb:UpdateItem')).toEqual(named('build-kickoff', 'chat', 'router', 'update-build-status'));
      expect(await rolesAllowed('dynamodb:PutItem')).toEqual(named('chat'));
      expect(await rolesAllowed('dynamodb:GetItem')).toEqual(named('build-kickoff', 'router', 'update-build-status'));
      for (const action of ['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:Scan', 'dynamodb:DeleteTable']) expect(await rolesAllowed(action)).toEqual([]);
    });
  });
});
