import {
  BedrockClient,
  GetFoundationModelAvailabilityCommand,
  GetInferenceProfileCommand,
  ResourceNotFoundException,
  type GetFoundationModelAvailabilityResponse,
} from '@aws-sdk/client-bedrock';
import { mockClient } from 'aws-sdk-client-mock';
import { checkBedrockModels } from '../../../scripts/doctor/bedrock';
import { exitCode, formatResult } from '../../../scripts/doctor/report';
import { devStage } from '../../helpers/doctor-harness';

const bedrock = mockClient(BedrockClient);

const HAIKU = 'anthropic.claude-haiku-4-5-20251001-v1:0';
const SONNET = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const TITAN = 'amazon.titan-embed-text-v2:0';
const stage = devStage({
  models: [
    { use: 'router', modelId: `us.${HAIKU}` },
    { use: 'chat', modelId: `us.${SONNET}` },
    { use: 'build', modelId: `us.${SONNET}` },
    { use: 'buildSmall', modelId: `us.${HAIKU}` },
    { use: 'embedding', modelId: TITAN },
  ],
});
const check = (settings = stage) => checkBedrockModels(new BedrockClient({ region: 'us-west-2' }), settings);

/** A US system-defined profile routes to the model in three regions. */
function usProfile(modelId: string) {
  return {
    inferenceProfileId: `us.${modelId}`,
    inferenceProfileArn: `arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.${modelId}`,
    inferenceProfileName: `US ${modelId}`,
    status: 'ACTIVE' as const,
    type: 'SYSTEM_DEFINED' as const,
    models: ['us-east-1', 'us-east-2', 'us-west-2'].map((region) => ({
      modelArn: `arn:aws:bedrock:${region}::foundation-model/${modelId}`,
    })),
  };
}

const accessible: Omit<GetFoundationModelAvailabilityResponse, 'modelId'> = {
  agreementAvailability: { status: 'AVAILABLE' },
  authorizationStatus: 'AUTHORIZED',
  entitlementAvailability: 'AVAILABLE',
  regionAvailability: 'AVAILABLE',
};

/** A fresh account before the Anthropic use-case form and the first invocation. */
const fresh: Omit<GetFoundationModelAvailabilityResponse, 'modelId'> = {
  agreementAvailability: { status: 'NOT_AVAILABLE' },
  authorizationStatus: 'NOT_AUTHORIZED',
  entitlementAvailability: 'NOT_AVAILABLE',
  regionAvailability: 'AVAILABLE',
};

function givenAvailability(byModel: Record<string, Omit<GetFoundationModelAvailabilityResponse, 'modelId'>>) {
  bedrock
    .on(GetInferenceProfileCommand)
    .callsFake(({ inferenceProfileIdentifier }: { inferenceProfileIdentifier: string }) =>
      usProfile(inferenceProfileIdentifier.replace(/^us\./, '')),
    );
  bedrock
    .on(GetFoundationModelAvailabilityCommand)
    .callsFake(({ modelId }: { modelId: string }) => ({ modelId, ...(byModel[modelId] ?? accessible) }));
}

const MARKETPLACE_FIX =
  "an administrator with aws-marketplace:Subscribe and aws-marketplace:ViewSubscriptions invokes the model once (Bedrock console > Playground > the model > send a prompt), which creates the account's Marketplace subscription before FABLE's roles call the model";
const ANTHROPIC_FIX =
  "Anthropic models need the one-time use-case form first: Bedrock console > Model catalog > an Anthropic model > submit use case details (or `aws bedrock put-use-case-for-model-access`), once per account or in the Organization's management account";

describe('bedrock check (GetInferenceProfile, GetFoundationModelAvailability)', () => {
  beforeEach(() => bedrock.reset());

  test('passes accessible models: one line per model id, profiles resolved to their foundation model', async () => {
    givenAvailability({});
    const results = await check();
    expect(results.map(formatResult).join('')).toBe(
      [
        `PASS  bedrock (dev) router, buildSmall: us.${HAIKU} (inference profile): ${HAIKU} accessible`,
        `PASS  bedrock (dev) chat, build: us.${SONNET} (inference profile): ${SONNET} accessible`,
        `PASS  bedrock (dev) embedding: ${TITAN} accessible`,
        '',
      ].join('\n'),
    );
    expect(bedrock.commandCalls(GetInferenceProfileCommand).map((call) => call.args[0].input)).toEqual([
      { inferenceProfileIdentifier: `us.${HAIKU}` },
      { inferenceProfileIdentifier: `us.${SONNET}` },
    ]);
    // Each foundation model once, although the profile lists it in three regions.
    expect(bedrock.commandCalls(GetFoundationModelAvailabilityCommand).map((call) => call.args[0].input)).toEqual([
      { modelId: HAIKU },
      { modelId: SONNET },
      { modelId: TITAN },
    ]);
    expect(exitCode(results)).toBe(0);
  });

  test('fails Anthropic models of a fresh account, with the Marketplace and use-case form fixes', async () => {
    givenAvailability({ [HAIKU]: fresh, [SONNET]: fresh });
    const results = await check();
    expect(formatResult(results[0])).toBe(
      [
        `FAIL  bedrock (dev) router, buildSmall: us.${HAIKU} (inference profile): ${HAIKU}: not authorized for this account, no Marketplace entitlement, agreement NOT_AVAILABLE`,
        '      fix: the account is not authorized for the model: look for an SCP or IAM policy that denies it',
        `           ${MARKETPLACE_FIX}`,
        `           ${ANTHROPIC_FIX}`,
        '',
      ].join('\n'),
    );
    expect(results.map((result) => result.status)).toEqual(['FAIL', 'FAIL', 'PASS']);
    expect(exitCode(results)).toBe(1);
  });

  test('an agreement in error carries its message; an Amazon model gets no Anthropic form advice', async () => {
    givenAvailability({
      [TITAN]: { ...accessible, agreementAvailability: { status: 'ERROR', errorMessage: 'Payment instrument required' } },
    });
    const [, , titan] = await check();
    expect(titan.status).toBe('FAIL');
    expect(titan.detail).toBe(`${TITAN}: agreement ERROR (Payment instrument required)`);
    expect(titan.fix).toEqual([MARKETPLACE_FIX]);
  });

  test('warns while the Marketplace agreement is pending', async () => {
    givenAvailability({ [SONNET]: { ...accessible, agreementAvailability: { status: 'PENDING' } } });
    const results = await check();
    expect(results[1].status).toBe('WARN');
    expect(results[1].detail).toBe(`us.${SONNET} (inference profile): ${SONNET}: Marketplace agreement still pending`);
    expect(exitCode(results)).toBe(0);
  });

  test('fails a model used directly that the region does not offer; a profile does not need the model in its source region', async () => {
    const outside = { ...accessible, regionAvailability: 'NOT_AVAILABLE' as const };
    givenAvailability({ [TITAN]: outside, [SONNET]: outside });
    const results = await check();
    expect(results[1].status).toBe('PASS');
    expect(results[2].status).toBe('FAIL');
    expect(results[2].detail).toBe(`${TITAN}: not offered in us-west-2`);
    expect(results[2].fix).toEqual([`use a region that offers ${TITAN}, or an inference profile that routes to it`]);
  });

  test('fails an inference profile the region does not have', async () => {
    givenAvailability({});
    bedrock
      .on(GetInferenceProfileCommand, { inferenceProfileIdentifier: `us.${HAIKU}` })
      .rejects(new ResourceNotFoundException({ message: 'The specified inference profile was not found', $metadata: {} }));
    const results = await check(devStage({ region: 'eu-west-1', models: [{ use: 'router', modelId: `us.${HAIKU}` }] }));
    expect(formatResult(results[0])).toBe(
      [
        `FAIL  bedrock (dev) router: inference profile us.${HAIKU} is not usable in eu-west-1: ResourceNotFoundException: The specified inference profile was not found`,
        '      fix: choose an inference profile offered in eu-west-1 (`aws bedrock list-inference-profiles --region eu-west-1`), or run the doctor with bedrock:GetInferenceProfile',
        '',
      ].join('\n'),
    );
    expect(bedrock.commandCalls(GetFoundationModelAvailabilityCommand)).toHaveLength(0);
  });

  test('fails when the availability cannot be read', async () => {
    givenAvailability({});
    bedrock
      .on(GetFoundationModelAvailabilityCommand)
      .rejects(
        Object.assign(new Error('not authorized to perform: bedrock:GetFoundationModelAvailability'), { name: 'AccessDeniedException' }),
      );
    const [router] = await check();
    expect(router.status).toBe('FAIL');
    expect(router.detail).toBe(
      `us.${HAIKU} (inference profile): ${HAIKU}: AccessDeniedException: not authorized to perform: bedrock:GetFoundationModelAvailability`,
    );
    expect(router.fix).toEqual(['run the doctor with credentials that allow bedrock:GetFoundationModelAvailability']);
  });
});
