import { SFNClient } from '@aws-sdk/client-sfn';
import { once } from './once';
import { SDK_RETRIES } from './retries';

export const sfnClient = once(() => new SFNClient({ ...SDK_RETRIES }));
