import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { once } from './once';
import { SDK_RETRIES } from './retries';

export const cloudWatchLogsClient = once(() => new CloudWatchLogsClient({ ...SDK_RETRIES }));
