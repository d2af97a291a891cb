import { emulatorDirectory } from '../../../scripts/local/dynamodb-local/emulator';

/** Fetch DynamoDB Local once, before the workers start (a no-op once it is in the cache). */
export default async function fetchDynamoLocal(): Promise<void> {
  await emulatorDirectory();
}
