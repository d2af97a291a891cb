import { LambdaClient } from '@aws-sdk/client-lambda';
import { once } from './once';
import { SDK_RETRIES } from './retries';

export const lambdaClient = once(() => new LambdaClient({ ...SDK_RETRIES }));
