import { S3Client } from '@aws-sdk/client-s3';
import { once } from './once';
import { traced } from './traced';
import { SDK_RETRIES } from './retries';

export const s3Client = once(() => traced(new S3Client({ ...SDK_RETRIES })));
