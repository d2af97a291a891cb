import { S3Client } from '@aws-sdk/client-s3';
import { once } from './once';
import { SDK_RETRIES } from './retries';

export const s3Client = once(() => new S3Client({ ...SDK_RETRIES }));
