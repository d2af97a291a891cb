import { Construct } from 'constructs';
import {
  BUILDS_TABLE,
  CONNECTIONS_TABLE,
  CONVERSATIONS_TABLE,
  TOOLS_TABLE,
} from '../../lambdas/shared/contract';
import type { StageConfig } from '../config';
import { DynamoTable } from './dynamo-table';

/** The four DynamoDB tables of FABLE. */
export class FableTables extends Construct {
  readonly connections: DynamoTable;
  readonly conversations: DynamoTable;
  readonly builds: DynamoTable;
  readonly tools: DynamoTable;

  constructor(scope: Construct, id: string, props: { readonly config: StageConfig }) {
    super(scope, id);
    const table = (definition: typeof CONNECTIONS_TABLE) =>
      new DynamoTable(this, definition.component, { config: props.config, definition });
    this.connections = table(CONNECTIONS_TABLE);
    this.conversations = table(CONVERSATIONS_TABLE);
    this.builds = table(BUILDS_TABLE);
    this.tools = table(TOOLS_TABLE);
  }
}
