import { DescribeDBEngineVersionsCommand, DescribeOrderableDBInstanceOptionsCommand, type RDSClient } from '@aws-sdk/client-rds';
import { awsErrorText, fail, pass, warn, type CheckResult } from './result';
import type { StageSettings } from './settings';

const ENGINE = 'aurora-postgresql';
/** Aurora Serverless v2 instances are always of this class. */
const SERVERLESS_CLASS = 'db.serverless';
const CONFIG_FIELD = 'src/config.ts (aurora.engineVersion)';

/** The versions of the same major that can be created here (DescribeDBEngineVersions lists only available ones). */
async function creatableVersions(rds: RDSClient, version: string): Promise<string[]> {
  const family = `${ENGINE}${version.split('.')[0]}`;
  const { DBEngineVersions = [] } = await rds.send(new DescribeDBEngineVersionsCommand({ Engine: ENGINE, DBParameterGroupFamily: family }));
  return DBEngineVersions.flatMap((entry) => (entry.EngineVersion ? [entry.EngineVersion] : []));
}

export async function checkAurora(rds: RDSClient, stage: StageSettings): Promise<CheckResult> {
  const name = `aurora (${stage.stage})`;
  const { region, auroraEngineVersion: version, auroraMinCapacity: minCapacity } = stage;
  const label = `${ENGINE} ${version}`;
  try {
    const { DBEngineVersions = [] } = await rds.send(new DescribeDBEngineVersionsCommand({ Engine: ENGINE, EngineVersion: version }));
    const engine = DBEngineVersions[0];
    if (!engine) {
      const offered = await creatableVersions(rds, version);
      return fail(name, `${label} cannot be created in ${region} (retired, or never offered there)`, [
        `pin a creatable version in ${CONFIG_FIELD}, preferably a long-term-support minor${
          offered.length ? `; ${region} offers ${offered.join(', ')}` : ''
        }`,
      ]);
    }
    const { OrderableDBInstanceOptions = [] } = await rds.send(
      new DescribeOrderableDBInstanceOptionsCommand({ Engine: ENGINE, EngineVersion: version, DBInstanceClass: SERVERLESS_CLASS }),
    );
    if (OrderableDBInstanceOptions.length === 0) {
      return fail(name, `${label} has no Serverless v2 (${SERVERLESS_CLASS}) instances in ${region}`, [
        `pin a version listed by \`aws rds describe-orderable-db-instance-options --engine ${ENGINE} --db-instance-class ${SERVERLESS_CLASS} --region ${region} --query 'OrderableDBInstanceOptions[].EngineVersion'\` in ${CONFIG_FIELD}`,
      ]);
    }
    if (minCapacity > 0) return pass(name, `${label} can be created in ${region} with Serverless v2 (min ${minCapacity} ACU)`);
    // "If the minimum capacity is 0 ACUs, the engine version supports the automatic pause/resume feature" (RDS API reference).
    const lowest = engine.ServerlessV2FeaturesSupport?.MinCapacity;
    const pauseFix = `pin a version whose ServerlessV2FeaturesSupport.MinCapacity is 0 in ${CONFIG_FIELD}, or give the stage an aurora.minCapacity of ${
      lowest || 0.5
    } or more`;
    if (lowest === undefined) {
      return warn(
        name,
        `${label} can be created in ${region} with Serverless v2, but RDS does not say whether it can pause at 0 ACU (the stage's minCapacity)`,
        [pauseFix],
      );
    }
    if (lowest > 0) {
      return fail(name, `${label} cannot scale below ${lowest} ACU, and the stage's minCapacity is 0 (auto-pause)`, [pauseFix]);
    }
    return pass(name, `${label} can be created in ${region} with Serverless v2 and 0 ACU auto-pause`);
  } catch (error) {
    return fail(name, `could not look up ${label} in ${region}: ${awsErrorText(error)}`, [
      'run the doctor with credentials that allow rds:DescribeDBEngineVersions and rds:DescribeOrderableDBInstanceOptions',
    ]);
  }
}
