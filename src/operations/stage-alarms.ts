import type { FableStage } from '../stage/fable-stage';
import type { AlarmSpec } from './alarm-spec';
import { databaseAlarms, deadLetterAlarms, functionAlarms, stateMachineAlarms, tableAlarms, toolAlarms, websocketAlarms } from './alarm-rules';

/**
 * Every alarm of a stage, from what its constructs registered: a new Lambda or table gets its
 * alarms by being created, never by an edit here. `reader` names who asks (registrations after
 * this read are refused, since they would go without alarms).
 */
export function stageAlarmSpecs(stage: FableStage, reader: string): AlarmSpec[] {
  const thresholds = stage.config.alarms.thresholds;
  const specs = [
    ...stage.monitoredResources('function', reader).flatMap((fn) => functionAlarms(fn, thresholds)),
    ...stage.monitoredResources('dead-letter-queue', reader).flatMap(deadLetterAlarms),
    ...stage.monitoredResources('state-machine', reader).flatMap((machine) => stateMachineAlarms(machine, thresholds)),
    ...stage.monitoredResources('websocket-api', reader).flatMap((api) => websocketAlarms(api, thresholds)),
    ...stage.monitoredResources('database', reader).flatMap((db) => databaseAlarms(db, thresholds)),
    ...stage.monitoredResources('table', reader).flatMap((table) => tableAlarms(table, thresholds)),
    ...toolAlarms(stage.config.stage, thresholds),
  ];
  const names = specs.map((spec) => spec.name);
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  if (repeated.length > 0) throw new Error(`Stage ${stage.config.stage} would have two alarms named ${repeated.join(', ')}.`);
  return specs;
}
