import { SFNClient } from '@aws-sdk/client-sfn';
import { once } from './once';
import { traced } from './traced';
import { SDK_RETRIES } from './retries';

export const sfnClient = once(() => traced(new SFNClient({ ...SDK_RETRIES })));
