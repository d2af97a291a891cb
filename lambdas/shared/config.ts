import { LAMBDA_ENV, type LambdaEnvironment, type LambdaName } from './contract';

/**
 * Read exactly the variables a Lambda is given (DESIGN.md section 4). A missing one is a
 * deployment mistake, so it fails loudly at cold start instead of at the first request.
 */
export function lambdaConfig<N extends LambdaName>(name: N, env: NodeJS.ProcessEnv = process.env): LambdaEnvironment<N> {
  const names = LAMBDA_ENV[name] as readonly string[];
  const missing = names.filter((key) => env[key] === undefined || env[key] === '');
  if (missing.length > 0) throw new Error(`${name}: missing environment variables ${missing.join(', ')}`);
  return Object.fromEntries(names.map((key) => [key, env[key] as string])) as LambdaEnvironment<N>;
}

/** A positive integer setting, with the variable named in the error. */
export function intSetting(value: string, name: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`${name} must be a positive integer, got "${value}".`);
  return parsed;
}

/** A `true` / `false` setting, with the variable named in the error. */
export function boolSetting(value: string, name: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`${name} must be "true" or "false", got "${value}".`);
}
