import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { once } from './once';

export const secretsManagerClient = once(() => new SecretsManagerClient({}));
