import { LambdaClient } from '@aws-sdk/client-lambda';
import { once } from './once';

export const lambdaClient = once(() => new LambdaClient({}));
