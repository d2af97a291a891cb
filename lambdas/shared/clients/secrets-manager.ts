import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { once } from './once';
import { traced } from './traced';
import { SDK_RETRIES } from './retries';

export const secretsManagerClient = once(() => traced(new SecretsManagerClient({ ...SDK_RETRIES })));
