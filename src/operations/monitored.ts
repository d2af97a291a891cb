import type { LambdaName, TableComponent } from '../../lambdas/shared/contract';

/**
 * What a construct tells its stage about a resource it created, so the stage's alarms and
 * dashboard cover it (`FableStage.monitor`). Constructs register what they make; nothing lists
 * the stage's functions or tables a second time.
 */
export type Monitored =
  | { readonly kind: 'function'; readonly name: LambdaName; readonly functionName: string }
  | { readonly kind: 'table'; readonly component: TableComponent; readonly tableName: string; readonly indexNames: readonly string[] }
  | { readonly kind: 'dead-letter-queue'; readonly source: LambdaName; readonly queueName: string }
  | { readonly kind: 'state-machine'; readonly component: string; readonly arn: string }
  | { readonly kind: 'websocket-api'; readonly component: string; readonly apiId: string; readonly stage: string }
  | { readonly kind: 'database'; readonly clusterIdentifier: string; readonly maxCapacity: number };

export type MonitoredKind = Monitored['kind'];
export type MonitoredOf<K extends MonitoredKind> = Extract<Monitored, { kind: K }>;
