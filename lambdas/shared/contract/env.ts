/**
 * Environment variable names per Lambda: the keys of its bindings (bindings.ts), so the names the
 * infrastructure sets and the names the handlers read are one list (DESIGN.md section 4).
 */
import { LAMBDA_BINDINGS } from './bindings';

type Bindings = typeof LAMBDA_BINDINGS;

export type LambdaName = keyof Bindings;

/** The Lambdas of DESIGN.md section 4, in a stable order. */
export const LAMBDA_NAMES = Object.keys(LAMBDA_BINDINGS) as LambdaName[];

/** Which variables each Lambda receives (and may read); nothing else configures a handler. */
export const LAMBDA_ENV = Object.fromEntries(
  LAMBDA_NAMES.map((name) => [name, Object.keys(LAMBDA_BINDINGS[name])]),
) as unknown as { readonly [N in LambdaName]: readonly (keyof Bindings[N] & string)[] };

/** Every variable name any Lambda receives. */
export type EnvName = { [N in LambdaName]: keyof Bindings[N] & string }[LambdaName];

/** The environment one Lambda is given: exactly its variables, each a string. */
export type LambdaEnvironment<N extends LambdaName> = Record<keyof Bindings[N] & string, string>;
