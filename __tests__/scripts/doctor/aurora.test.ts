import { DescribeDBEngineVersionsCommand, DescribeOrderableDBInstanceOptionsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { checkAurora } from '../../../scripts/doctor/aurora';
import { exitCode, formatResult } from '../../../scripts/doctor/report';
import { devStage } from '../../helpers/doctor-harness';

const rds = mockClient(RDSClient);
const dev = devStage({ auroraEngineVersion: '16.8' });
const prod = devStage({ stage: 'prod', auroraEngineVersion: '16.8', auroraMinCapacity: 0.5 });
const check = (stage = dev) => checkAurora(new RDSClient({ region: 'us-west-2' }), stage);

/** The parts of a DescribeDBEngineVersions entry the check reads. */
const engine = (version: string, minCapacity?: number) => ({
  Engine: 'aurora-postgresql',
  EngineVersion: version,
  DBParameterGroupFamily: 'aurora-postgresql16',
  Status: 'available',
  SupportedEngineModes: ['provisioned'],
  ...(minCapacity === undefined ? {} : { ServerlessV2FeaturesSupport: { MinCapacity: minCapacity, MaxCapacity: 256 } }),
});
const serverless = {
  OrderableDBInstanceOptions: [{ Engine: 'aurora-postgresql', EngineVersion: '16.8', DBInstanceClass: 'db.serverless' }],
};

describe('aurora check (RDS DescribeDBEngineVersions, DescribeOrderableDBInstanceOptions)', () => {
  beforeEach(() => rds.reset());

  test('the dev stage pauses at 0 ACU, so its version must support auto-pause', () => {
    expect(devStage().auroraMinCapacity).toBe(0);
  });

  test('passes a creatable version with Serverless v2 and 0 ACU auto-pause; asks for exactly that version', async () => {
    rds.on(DescribeDBEngineVersionsCommand).resolves({ DBEngineVersions: [engine('16.8', 0)] });
    rds.on(DescribeOrderableDBInstanceOptionsCommand).resolves(serverless);
    const result = await check();
    expect(formatResult(result)).toBe(
      'PASS  aurora (dev): aurora-postgresql 16.8 can be created in us-west-2 with Serverless v2 and 0 ACU auto-pause\n',
    );
    expect(rds.commandCalls(DescribeDBEngineVersionsCommand).map((call) => call.args[0].input)).toEqual([
      { Engine: 'aurora-postgresql', EngineVersion: '16.8' },
    ]);
    expect(rds.commandCalls(DescribeOrderableDBInstanceOptionsCommand).map((call) => call.args[0].input)).toEqual([
      { Engine: 'aurora-postgresql', EngineVersion: '16.8', DBInstanceClass: 'db.serverless' },
    ]);
    expect(exitCode([result])).toBe(0);
  });

  test('passes a stage that does not pause (prod, 0.5 ACU) whatever the version minimum', async () => {
    rds.on(DescribeDBEngineVersionsCommand).resolves({ DBEngineVersions: [engine('16.8', 0.5)] });
    rds.on(DescribeOrderableDBInstanceOptionsCommand).resolves(serverless);
    expect(formatResult(await check(prod))).toBe(
      'PASS  aurora (prod): aurora-postgresql 16.8 can be created in us-west-2 with Serverless v2 (min 0.5 ACU)\n',
    );
  });

  test('fails a retired version and lists what the region offers for that major', async () => {
    const retired = devStage({ auroraEngineVersion: '16.6' });
    rds.on(DescribeDBEngineVersionsCommand, { EngineVersion: '16.6' }).resolves({ DBEngineVersions: [] });
    rds.on(DescribeDBEngineVersionsCommand, { DBParameterGroupFamily: 'aurora-postgresql16' }).resolves({
      DBEngineVersions: [engine('16.8', 0), engine('16.9', 0), engine('16.10', 0)],
    });
    const result = await check(retired);
    expect(formatResult(result)).toBe(
      [
        'FAIL  aurora (dev): aurora-postgresql 16.6 cannot be created in us-west-2 (retired, or never offered there)',
        '      fix: pin a creatable version in src/config.ts (aurora.engineVersion), preferably a long-term-support minor; us-west-2 offers 16.8, 16.9, 16.10',
        '',
      ].join('\n'),
    );
    expect(rds.commandCalls(DescribeDBEngineVersionsCommand).map((call) => call.args[0].input)).toEqual([
      { Engine: 'aurora-postgresql', EngineVersion: '16.6' },
      { Engine: 'aurora-postgresql', DBParameterGroupFamily: 'aurora-postgresql16' },
    ]);
    expect(rds.commandCalls(DescribeOrderableDBInstanceOptionsCommand)).toHaveLength(0);
    expect(exitCode([result])).toBe(1);
  });

  test('fails a version without db.serverless instances', async () => {
    rds.on(DescribeDBEngineVersionsCommand).resolves({ DBEngineVersions: [engine('16.8', 0)] });
    rds.on(DescribeOrderableDBInstanceOptionsCommand).resolves({ OrderableDBInstanceOptions: [] });
    const result = await check();
    expect(result.status).toBe('FAIL');
    expect(result.detail).toBe('aurora-postgresql 16.8 has no Serverless v2 (db.serverless) instances in us-west-2');
    expect(result.fix[0]).toContain(
      'aws rds describe-orderable-db-instance-options --engine aurora-postgresql --db-instance-class db.serverless --region us-west-2',
    );
  });

  test('fails a version whose Serverless v2 minimum is 0.5 ACU when the stage pauses at 0', async () => {
    rds.on(DescribeDBEngineVersionsCommand).resolves({ DBEngineVersions: [engine('16.8', 0.5)] });
    rds.on(DescribeOrderableDBInstanceOptionsCommand).resolves(serverless);
    const result = await check();
    expect(formatResult(result)).toBe(
      [
        "FAIL  aurora (dev): aurora-postgresql 16.8 cannot scale below 0.5 ACU, and the stage's minCapacity is 0 (auto-pause)",
        '      fix: pin a version whose ServerlessV2FeaturesSupport.MinCapacity is 0 in src/config.ts (aurora.engineVersion), or give the stage an aurora.minCapacity of 0.5 or more',
        '',
      ].join('\n'),
    );
    expect(exitCode([result])).toBe(1);
  });

  test('warns when RDS does not say whether the version can pause', async () => {
    rds.on(DescribeDBEngineVersionsCommand).resolves({ DBEngineVersions: [engine('16.8')] });
    rds.on(DescribeOrderableDBInstanceOptionsCommand).resolves(serverless);
    const result = await check();
    expect(result.status).toBe('WARN');
    expect(exitCode([result])).toBe(0);
  });

  test('fails when RDS refuses the call', async () => {
    rds
      .on(DescribeDBEngineVersionsCommand)
      .rejects(Object.assign(new Error('User is not authorized to perform: rds:DescribeDBEngineVersions'), { name: 'AccessDenied' }));
    const result = await check();
    expect(result.status).toBe('FAIL');
    expect(result.detail).toBe(
      'could not look up aurora-postgresql 16.8 in us-west-2: AccessDenied: User is not authorized to perform: rds:DescribeDBEngineVersions',
    );
  });
});
