import { Pool, type PoolClient } from 'pg';
import type { ConnectionOptions } from 'node:tls';
import { withRetry, type RetryOptions } from '../retry';
import type { CredentialSource } from './credentials';
import { DatabaseUnavailableError, errorCode, INVALID_PASSWORD, isDatabaseStarting } from './availability';
import { describeError } from '../responses';
import { log } from '../telemetry';

export interface PoolLimits {
  /** Connections per container: a Lambda serves one request at a time, so 1-2 is plenty. */
  readonly max: number;
  readonly connectionTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /** Close connections idle this long, so an idle dev database can auto-pause. */
  readonly idleTimeoutMs: number;
  readonly applicationName: string;
}

export interface DatabaseOptions {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly ssl: false | ConnectionOptions;
  readonly credentials: CredentialSource;
  readonly limits: PoolLimits;
  /** Backoff between connection attempts while the database wakes up. */
  readonly retry?: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'sleep'>;
}

/**
 * One pg Pool per container, created on first use (it needs the secret's user name) and
 * reused across invocations. Getting a connection retries while the database wakes from
 * auto-pause, within the caller's deadline; queries themselves are never retried here, so a
 * statement is never run twice.
 */
export class Database {
  private pool: Promise<Pool> | undefined;

  constructor(private readonly options: DatabaseOptions) {}

  /** Run `work` on one pooled connection; the pool drops it on release if it broke meanwhile. */
  async withClient<T>(deadlineMs: number, work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect(deadlineMs);
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }

  async end(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool).end();
  }

  private async connect(deadlineMs: number): Promise<PoolClient> {
    const pool = await this.getPool();
    let refreshedCredentials = false;
    try {
      return await withRetry(() => pool.connect(), {
        attempts: 20,
        baseDelayMs: this.options.retry?.baseDelayMs ?? 250,
        maxDelayMs: this.options.retry?.maxDelayMs ?? 4_000,
        sleep: this.options.retry?.sleep,
        deadlineMs,
        isRetryable: (error) => {
          if (errorCode(error) === INVALID_PASSWORD && !refreshedCredentials) {
            refreshedCredentials = true;
            this.options.credentials.invalidate();
            return true;
          }
          return isDatabaseStarting(error);
        },
      });
    } catch (error) {
      throw isDatabaseStarting(error) ? new DatabaseUnavailableError(error) : error;
    }
  }

  private getPool(): Promise<Pool> {
    if (!this.pool) {
      const creating = this.createPool();
      this.pool = creating;
      creating.catch(() => {
        if (this.pool === creating) this.pool = undefined;
      });
    }
    return this.pool;
  }

  private async createPool(): Promise<Pool> {
    const { credentials, limits } = this.options;
    const { username } = await credentials.get();
    const pool = new Pool({
      host: this.options.host,
      port: this.options.port,
      database: this.options.database,
      user: username,
      // Read on every new connection, so a refreshed secret is used without a new pool.
      password: async () => (await credentials.get()).password,
      ssl: this.options.ssl,
      max: limits.max,
      connectionTimeoutMillis: limits.connectionTimeoutMs,
      idleTimeoutMillis: limits.idleTimeoutMs,
      statement_timeout: limits.statementTimeoutMs,
      application_name: limits.applicationName,
      keepAlive: true,
    });
    // Without a listener, an idle connection dropped by the server would crash the container.
    pool.on('error', (error) => {
      log.warn('idle database connection failed', { error: describeError(error) });
    });
    return pool;
  }
}

/** BEGIN ... COMMIT around `work`; ROLLBACK and rethrow if it fails. */
export async function inTransaction<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
