import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { once } from './once';
import { traced } from './traced';
import { SDK_RETRIES } from './retries';

/**
 * One DynamoDB document client per container. No region or endpoint here: the SDK reads
 * AWS_REGION and AWS_ENDPOINT_URL_DYNAMODB, which is how tests point it at a local engine.
 * Undefined attribute values are an error, never silently dropped.
 */
export const dynamoDocumentClient = once(() =>
  // The base client is traced: the document client sends through its middleware stack.
  DynamoDBDocumentClient.from(traced(new DynamoDBClient({ ...SDK_RETRIES })), {
    marshallOptions: { removeUndefinedValues: false, convertClassInstanceToMap: false },
  }),
);
