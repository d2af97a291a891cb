import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Database, type PoolLimits } from './database';
import { SecretCredentials } from './credentials';
import { databaseSettings, type DatabaseEnvironment } from './settings';
import { tlsOptions } from './tls';

/** The container's Database from the `DB_*` variables: RDS-managed secret, TLS per `DB_SSL`. */
export function databaseFromEnvironment(env: DatabaseEnvironment, secrets: SecretsManagerClient, limits: PoolLimits): Database {
  const settings = databaseSettings(env);
  return new Database({
    host: settings.host,
    port: settings.port,
    database: settings.database,
    ssl: tlsOptions(settings.ssl),
    credentials: new SecretCredentials(secrets, settings.secretArn),
    limits,
  });
}
