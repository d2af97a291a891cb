import { LambdaClient } from '@aws-sdk/client-lambda';
import { once } from './once';
import { traced } from './traced';
import { SDK_RETRIES } from './retries';

export const lambdaClient = once(() => traced(new LambdaClient({ ...SDK_RETRIES })));
