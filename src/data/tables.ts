import { Construct } from 'constructs';
import { BUILDS_TABLE, CONNECTIONS_TABLE, CONVERSATIONS_TABLE, QUOTAS_TABLE, TOOLS_TABLE } from '../../lambdas/shared/contract';
import { DynamoTable } from './dynamo-table';
import { AuditTable } from './audit-table';

/** The DynamoDB tables of FABLE; Lambdas reach them through their bindings. */
export class FableTables extends Construct {
  readonly connections: DynamoTable;
  readonly conversations: DynamoTable;
  readonly builds: DynamoTable;
  readonly tools: DynamoTable;
  readonly audit: AuditTable;
  readonly quotas: DynamoTable;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.connections = new DynamoTable(this, CONNECTIONS_TABLE.component, CONNECTIONS_TABLE);
    this.conversations = new DynamoTable(this, CONVERSATIONS_TABLE.component, CONVERSATIONS_TABLE);
    this.builds = new DynamoTable(this, BUILDS_TABLE.component, BUILDS_TABLE);
    this.tools = new DynamoTable(this, TOOLS_TABLE.component, TOOLS_TABLE);
    this.audit = new AuditTable(this, 'audit');
    this.quotas = new DynamoTable(this, QUOTAS_TABLE.component, QUOTAS_TABLE);
  }
}
