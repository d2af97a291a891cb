import NodeEnvironment from 'jest-environment-node';
import { sharedEngineEndpoint, WORKER_ENGINE_GLOBAL } from '../../../scripts/local/dynamodb-local/engine';

/**
 * Jest's node environment, plus one DynamoDB Local per jest worker. Jest loads this module once
 * per worker and a new sandbox per test file, so the engine lives here, outside the sandboxes,
 * and each test file reaches it through a global (startDynamoLocal in ../dynamodb-local.ts).
 */
export default class DynamoLocalEnvironment extends NodeEnvironment {
  override async setup(): Promise<void> {
    await super.setup();
    (this.global as Record<string, unknown>)[WORKER_ENGINE_GLOBAL] = sharedEngineEndpoint;
  }
}
