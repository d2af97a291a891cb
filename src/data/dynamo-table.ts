import { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { keyAttributes, type TableBinding, type TableDefinition } from '../../lambdas/shared/contract';
import { FableStage } from '../stage/fable-stage';
import type { PolicyStatement } from '../iam/policy-document';
import type { BindingProvider, ResolvedBinding } from '../bindings/binding-provider';

/** One on-demand DynamoDB table built from its contract definition (DESIGN.md section 5). */
export class DynamoTable extends Construct implements BindingProvider<TableBinding> {
  readonly table: DynamodbTable;
  readonly definition: TableDefinition;

  constructor(scope: Construct, id: string, definition: TableDefinition) {
    super(scope, id);
    const stage = FableStage.of(this);
    this.definition = definition;
    this.table = new DynamodbTable(this, 'table', {
      name: stage.name(definition.component),
      billingMode: 'PAY_PER_REQUEST',
      hashKey: definition.partitionKey,
      rangeKey: definition.sortKey,
      attribute: keyAttributes(definition).map((name) => ({ name, type: 'S' })),
      globalSecondaryIndex: definition.globalIndexes.map((index) => ({
        name: index.name,
        hashKey: index.partitionKey,
        rangeKey: index.sortKey,
        projectionType: 'ALL',
      })),
      ttl: definition.ttlAttribute ? { attributeName: definition.ttlAttribute, enabled: true } : undefined,
      pointInTimeRecovery: { enabled: definition.pointInTimeRecovery },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: stage.config.deletionProtection,
    });
    stage.provide<TableBinding>(`table:${definition.component}`, this);
    stage.monitor({
      kind: 'table',
      component: definition.component,
      tableName: stage.name(definition.component),
      indexNames: definition.globalIndexes.map((index) => index.name),
    });
  }

  get name(): string {
    return this.table.name;
  }

  get arn(): string {
    return this.table.arn;
  }

  /** The table's name, item actions on the table only, and Query on exactly the named indexes. */
  resolveBinding(binding: TableBinding): ResolvedBinding {
    const statements: PolicyStatement[] = [];
    if (binding.actions.length > 0) {
      statements.push({ actions: binding.actions.map((action) => `dynamodb:${action}`).sort(), resources: [this.table.arn] });
    }
    const indexes = binding.queryIndexes ?? [];
    for (const index of indexes) {
      if (!this.definition.globalIndexes.some((known) => known.name === index)) {
        throw new Error(`Table ${this.definition.component} has no index "${index}".`);
      }
    }
    if (indexes.length > 0) {
      statements.push({ actions: ['dynamodb:Query'], resources: indexes.map((index) => `${this.table.arn}/index/${index}`) });
    }
    return { value: this.name, statements };
  }
}
