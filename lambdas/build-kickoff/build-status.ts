import type { BuildView } from '../shared/contract';
import { notFound } from '../shared/responses';
import { getBuildItem, toBuildView, type BuildsTable } from './build-items';

export async function buildStatus(builds: BuildsTable, buildId: string): Promise<{ build: BuildView }> {
  const item = await getBuildItem(builds, buildId);
  if (!item) throw notFound(`Build ${buildId} not found`);
  return { build: toBuildView(item) };
}
