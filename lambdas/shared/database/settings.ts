import type { LambdaEnvironment } from '../contract';
import { intSetting } from '../config';

/**
 * `verify-full`: TLS with the server certificate checked against the RDS CA bundle and its
 * name against DB_HOST. `disable`: plain TCP, only for local engines in tests.
 */
export const SSL_MODES = ['verify-full', 'disable'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** The connection variables both database Lambdas receive. */
export type DatabaseEnvironment = Pick<LambdaEnvironment<'db-init'>, 'DB_SECRET_ARN' | 'DB_HOST' | 'DB_PORT' | 'DB_NAME' | 'DB_SSL'>;

export interface DatabaseSettings {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly secretArn: string;
  readonly ssl: SslMode;
}

/** Parse the DB_* variables; anything unexpected is a deployment mistake and fails at cold start. */
export function databaseSettings(env: DatabaseEnvironment): DatabaseSettings {
  const port = intSetting(env.DB_PORT, 'DB_PORT');
  if (port > 65_535) throw new Error(`DB_PORT must be a TCP port, got "${env.DB_PORT}".`);
  if (!(SSL_MODES as readonly string[]).includes(env.DB_SSL)) {
    throw new Error(`DB_SSL must be one of ${SSL_MODES.join(', ')}, got "${env.DB_SSL}".`);
  }
  return {
    host: env.DB_HOST,
    port,
    database: env.DB_NAME,
    secretArn: env.DB_SECRET_ARN,
    ssl: env.DB_SSL as SslMode,
  };
}
