import { GetFoundationModelAvailabilityCommand, GetInferenceProfileCommand, type BedrockClient } from '@aws-sdk/client-bedrock';
import { awsErrorText, fail, pass, warn, type CheckResult, type Status } from './result';
import type { StageSettings } from './settings';

/** Cross-region inference profile ids start with a geography; foundation model ids with a provider. */
const PROFILE_PREFIX = /^(us|us-gov|eu|apac|jp|au|global)\./;

const MARKETPLACE_FIX =
  "an administrator with aws-marketplace:Subscribe and aws-marketplace:ViewSubscriptions invokes the model once (Bedrock console > Playground > the model > send a prompt), which creates the account's Marketplace subscription before FABLE's roles call the model";
const AUTHORIZATION_FIX = 'the account is not authorized for the model: look for an SCP or IAM policy that denies it';
const ANTHROPIC_FIX =
  "Anthropic models need the one-time use-case form first: Bedrock console > Model catalog > an Anthropic model > submit use case details (or `aws bedrock put-use-case-for-model-access`), once per account or in the Organization's management account";

interface Finding {
  readonly status: Status;
  readonly text: string;
  readonly fix: readonly string[];
}

/**
 * GetFoundationModelAvailability reports four flags. An inference profile answers in its source
 * region even where the model itself is not offered, so region availability counts only for a
 * model used directly.
 */
async function modelAccess(bedrock: BedrockClient, modelId: string, viaProfile: boolean, region: string): Promise<Finding> {
  let availability;
  try {
    availability = await bedrock.send(new GetFoundationModelAvailabilityCommand({ modelId }));
  } catch (error) {
    return {
      status: 'FAIL',
      text: `${modelId}: ${awsErrorText(error)}`,
      fix: ['run the doctor with credentials that allow bedrock:GetFoundationModelAvailability'],
    };
  }
  const problems: string[] = [];
  const fix = new Set<string>();
  if (!viaProfile && availability.regionAvailability !== 'AVAILABLE') {
    problems.push(`not offered in ${region}`);
    fix.add(`use a region that offers ${modelId}, or an inference profile that routes to it`);
  }
  if (availability.authorizationStatus !== 'AUTHORIZED') {
    problems.push('not authorized for this account');
    fix.add(AUTHORIZATION_FIX);
  }
  if (availability.entitlementAvailability !== 'AVAILABLE') {
    problems.push('no Marketplace entitlement');
    fix.add(MARKETPLACE_FIX);
  }
  const agreement = availability.agreementAvailability;
  if (agreement?.status !== 'AVAILABLE' && agreement?.status !== 'PENDING') {
    problems.push(`agreement ${agreement?.status ?? 'missing'}${agreement?.errorMessage ? ` (${agreement.errorMessage})` : ''}`);
    fix.add(MARKETPLACE_FIX);
  }
  if (problems.length > 0) {
    if (modelId.startsWith('anthropic.')) fix.add(ANTHROPIC_FIX);
    return { status: 'FAIL', text: `${modelId}: ${problems.join(', ')}`, fix: [...fix] };
  }
  if (agreement?.status === 'PENDING') {
    return {
      status: 'WARN',
      text: `${modelId}: Marketplace agreement still pending`,
      fix: ['the subscription takes up to 15 minutes: run the doctor again'],
    };
  }
  return { status: 'PASS', text: `${modelId} accessible`, fix: [] };
}

/** The foundation models behind one configured id (a profile's models, or the id itself). */
async function checkModel(bedrock: BedrockClient, stage: StageSettings, modelId: string, uses: string): Promise<CheckResult> {
  const name = `bedrock (${stage.stage}) ${uses}`;
  let foundationModels = [modelId];
  const viaProfile = PROFILE_PREFIX.test(modelId);
  if (viaProfile) {
    try {
      const profile = await bedrock.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: modelId }));
      // Model ARNs end in foundation-model/<id>, one per destination region.
      foundationModels = [
        ...new Set(
          (profile.models ?? []).flatMap((model) => (model.modelArn ? [model.modelArn.slice(model.modelArn.lastIndexOf('/') + 1)] : [])),
        ),
      ];
    } catch (error) {
      return fail(name, `inference profile ${modelId} is not usable in ${stage.region}: ${awsErrorText(error)}`, [
        `choose an inference profile offered in ${stage.region} (\`aws bedrock list-inference-profiles --region ${stage.region}\`), or run the doctor with bedrock:GetInferenceProfile`,
      ]);
    }
  }
  const findings: Finding[] = [];
  for (const foundationModel of foundationModels) findings.push(await modelAccess(bedrock, foundationModel, viaProfile, stage.region));
  const found = findings.map((finding) => finding.text).join('; ');
  const detail = viaProfile ? `${modelId} (inference profile): ${found}` : found;
  const fix = [...new Set(findings.flatMap((finding) => finding.fix))];
  if (findings.some((finding) => finding.status === 'FAIL')) return fail(name, detail, fix);
  if (findings.some((finding) => finding.status === 'WARN')) return warn(name, detail, fix);
  return pass(name, detail);
}

/** One result per distinct model id of the stage (chat and build may share one). */
export async function checkBedrockModels(bedrock: BedrockClient, stage: StageSettings): Promise<CheckResult[]> {
  const usesById = new Map<string, string[]>();
  for (const { use, modelId } of stage.models) usesById.set(modelId, [...(usesById.get(modelId) ?? []), use]);
  const results: CheckResult[] = [];
  for (const [modelId, uses] of usesById) results.push(await checkModel(bedrock, stage, modelId, uses.join(', ')));
  return results;
}
