import type { Binding } from '../../lambdas/shared/contract';
import type { PolicyStatement } from '../iam/policy-document';

/** What a binding gives a Lambda: its environment variable's value and exactly the grants its access needs. */
export interface ResolvedBinding {
  readonly value: string;
  readonly statements: readonly PolicyStatement[];
}

/** A resource (or the stage itself) that Lambdas can bind to. */
export interface BindingProvider<B extends Binding> {
  resolveBinding(binding: B): ResolvedBinding;
}

/** Which provider serves a binding: the resource kind, plus its name where a stage has several. */
export function bindingKey(binding: Binding): string {
  if ('table' in binding) return `table:${binding.table}`;
  if ('invoke' in binding) return `function:${binding.invoke}`;
  if ('model' in binding) return `model:${binding.model}`;
  if ('websocket' in binding) return 'websocket';
  if ('bucket' in binding) return `bucket:${binding.bucket}`;
  if ('stateMachine' in binding) return `state-machine:${binding.stateMachine}`;
  if ('database' in binding) return 'database';
  if ('setting' in binding) return 'setting';
  if ('userPool' in binding) return 'user-pool';
  return 'tools';
}
