import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { once } from './once';
import { traced } from './traced';
import { SDK_RETRIES } from './retries';

export const cloudWatchLogsClient = once(() => traced(new CloudWatchLogsClient({ ...SDK_RETRIES })));
