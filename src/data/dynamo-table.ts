import { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { keyAttributes, type TableDefinition } from '../../lambdas/shared/contract';
import { resourceName, type StageConfig } from '../config';
import type { FableRole } from '../iam/fable-role';

export type DynamoAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:BatchWriteItem'
  | 'dynamodb:ConditionCheckItem';

export interface DynamoTableProps {
  readonly config: StageConfig;
  readonly definition: TableDefinition;
}

/** One on-demand DynamoDB table built from its contract definition (DESIGN.md section 5). */
export class DynamoTable extends Construct {
  readonly table: DynamodbTable;
  readonly definition: TableDefinition;

  constructor(scope: Construct, id: string, props: DynamoTableProps) {
    super(scope, id);
    const { config, definition } = props;
    this.definition = definition;
    this.table = new DynamodbTable(this, 'table', {
      name: resourceName(config.stage, definition.component),
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
      deletionProtectionEnabled: config.deletionProtection,
    });
  }

  get name(): string {
    return this.table.name;
  }

  get arn(): string {
    return this.table.arn;
  }

  /** Grant exactly these actions on the table (and its indexes when a Query needs them). */
  grant(role: FableRole, actions: readonly DynamoAction[]): void {
    const resources = [this.table.arn];
    if (actions.includes('dynamodb:Query') && this.definition.globalIndexes.length > 0) {
      resources.push(`${this.table.arn}/index/*`);
    }
    role.addStatements({ actions: [...actions].sort(), resources });
  }
}
