import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { once } from './once';
import { SDK_RETRIES } from './retries';

export const secretsManagerClient = once(() => new SecretsManagerClient({ ...SDK_RETRIES }));
