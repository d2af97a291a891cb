import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { once } from './once';
import { MODEL_RETRIES } from './retries';

export const bedrockClient = once(() => new BedrockRuntimeClient({ ...MODEL_RETRIES }));
