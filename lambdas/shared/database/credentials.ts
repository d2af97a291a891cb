import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface DatabaseCredentials {
  readonly username: string;
  readonly password: string;
}

/** Where connections get their user and password; `invalidate` after a rotation broke them. */
export interface CredentialSource {
  get(): Promise<DatabaseCredentials>;
  invalidate(): void;
}

/**
 * The RDS-managed master secret (`{"username","password"}`), fetched once per container and
 * again only after `invalidate` (RDS rotates it; a login failure is the signal).
 */
export class SecretCredentials implements CredentialSource {
  private cached: Promise<DatabaseCredentials> | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretArn: string,
  ) {}

  get(): Promise<DatabaseCredentials> {
    if (!this.cached) {
      const fetching = this.fetch();
      this.cached = fetching;
      // A failed fetch is not cached: the next connection tries again.
      fetching.catch(() => {
        if (this.cached === fetching) this.cached = undefined;
      });
    }
    return this.cached;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async fetch(): Promise<DatabaseCredentials> {
    const response = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretArn }));
    return parseSecret(response.SecretString);
  }
}

export function parseSecret(secretString: string | undefined): DatabaseCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString ?? '');
  } catch {
    throw new Error('The database secret is not JSON.');
  }
  const { username, password } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
    throw new Error('The database secret needs non-empty "username" and "password".');
  }
  return { username, password };
}
