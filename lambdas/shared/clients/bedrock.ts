import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { once } from './once';

/** The SDK's own retries stay on; callers add backoff for throttling on top (see ../retry). */
export const bedrockClient = once(() => new BedrockRuntimeClient({}));
