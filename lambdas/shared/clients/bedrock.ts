import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { once } from './once';
import { traced } from './traced';
import { MODEL_RETRIES } from './retries';

export const bedrockClient = once(() => traced(new BedrockRuntimeClient({ ...MODEL_RETRIES })));
