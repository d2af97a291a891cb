import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing, TerraformStack } from 'cdktf';
import { buildApp } from '../../src/app';
import { bundleLambdas, bundlesIn, type LambdaBundles } from '../../src/bundling/lambda-bundle';
import { LAMBDA_NAMES, type LambdaName } from '../../lambdas/shared/contract';
import { TEST_BUNDLES_ENV } from './global-setup';

/** Synthesized Terraform JSON of one stack. */
export interface StackJson {
  resource: Record<string, Record<string, Record<string, any>>>;
  locals?: Record<string, unknown>;
  ephemeral?: Record<string, Record<string, Record<string, any>>>;
  data?: Record<string, Record<string, Record<string, any>>>;
  output?: Record<string, { value: unknown; sensitive?: boolean }>;
  terraform: Record<string, any>;
  provider?: Record<string, any>;
}

const bundleCache = new Map<string, Promise<LambdaBundles>>();

/**
 * The Lambdas' real bundles (bundling is the slow part of a synth): those the global setup built
 * for this run, or, for a test file run without it, bundled once per file.
 */
export function testBundles(names: readonly LambdaName[] = LAMBDA_NAMES): Promise<LambdaBundles> {
  const key = [...names].sort().join(',');
  let bundles = bundleCache.get(key);
  if (!bundles) {
    const built = process.env[TEST_BUNDLES_ENV];
    bundles = built ? bundlesIn(built, names) : bundleLambdas(mkdtempSync(join(tmpdir(), 'fable-bundles-')), names);
    bundleCache.set(key, bundles);
  }
  return bundles;
}

export function synthJson(stack: TerraformStack): StackJson {
  return JSON.parse(Testing.synth(stack, true)) as StackJson;
}

/** The state bucket a deployable synth is given (FABLE_STATE_BUCKET). */
export const TEST_STATE_BUCKET = 'acme-fable-tfstate';

/** Synthesize the real app with the given stages (deployable unless `env` leaves out the state bucket); each stack's JSON by id. */
export async function synthApp(
  stages: string[] = ['dev'],
  env: NodeJS.ProcessEnv = { FABLE_STATE_BUCKET: TEST_STATE_BUCKET },
  bundles?: LambdaBundles,
): Promise<Record<string, StackJson>> {
  bundles ??= await testBundles();
  const app = buildApp({
    bundles,
    outdir: mkdtempSync(join(tmpdir(), 'fable-synth-')),
    env,
    context: { stages },
  });
  const result: Record<string, StackJson> = {};
  for (const child of app.node.children) {
    if (child instanceof TerraformStack) result[child.node.id] = synthJson(child);
  }
  return result;
}

/** All resources of one type, by logical id. */
export function resourcesOf(stack: StackJson, type: string): Record<string, any>[] {
  return Object.values(stack.resource[type] ?? {});
}

/** The single resource of a type whose attributes match. */
export function findResource(stack: StackJson, type: string, match: (r: Record<string, any>) => boolean): Record<string, any> {
  const found = resourcesOf(stack, type).filter(match);
  if (found.length !== 1) throw new Error(`Expected one ${type} matching, found ${found.length}`);
  return found[0];
}

/** Every IAM policy document in the stack (inline role policies, managed policies, bucket policies). */
export function policyDocuments(stack: StackJson): { address: string; document: any }[] {
  const docs: { address: string; document: any }[] = [];
  for (const type of ['aws_iam_role_policy', 'aws_iam_policy', 'aws_s3_bucket_policy']) {
    for (const [id, r] of Object.entries(stack.resource[type] ?? {})) {
      docs.push({ address: `${type}.${id}`, document: JSON.parse(r.policy as string) });
    }
  }
  return docs;
}
