import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys, type BuildSettingsItem } from '../shared/contract';
import { HandlerError } from '../shared/responses';
import type { BuildsTable } from './build-items';

export const PAUSED_MESSAGE = 'FABLE is not starting new builds right now (paused by an operator); try again later.';

/**
 * Builds are paused by the stage (StageConfig `build.paused`) unless the operator's settings item
 * in the builds table says otherwise (`paused` true or false wins over the stage). While paused,
 * `start` answers UNAVAILABLE with the operator's message, if they left one.
 */
export async function refuseWhilePaused(builds: BuildsTable, pausedByDefault: boolean): Promise<void> {
  const { Item } = await builds.dynamo.send(
    new GetCommand({ TableName: builds.tableName, Key: { PK: keys.buildSettings, SK: keys.meta }, ConsistentRead: true }),
  );
  const settings = Item as BuildSettingsItem | undefined;
  const paused = typeof settings?.paused === 'boolean' ? settings.paused : pausedByDefault;
  if (!paused) return;
  const message = typeof settings?.message === 'string' && settings.message.trim() !== '' ? settings.message : PAUSED_MESSAGE;
  throw new HandlerError('UNAVAILABLE', message);
}
