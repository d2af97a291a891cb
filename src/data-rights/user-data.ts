import { Construct } from 'constructs';
import { NodeLambda } from '../compute/node-lambda';

/**
 * A user's data rights: `fable-<stage>-user-data` exports everything FABLE holds about a user, or
 * erases it. The router invokes it for a connection's own user; operators invoke it directly.
 * It reaches memories through the memory Lambda, so it needs no place in the VPC; its tables,
 * bucket prefixes and the audit table come from its bindings.
 */
export class UserData extends Construct {
  readonly userData: NodeLambda<'user-data'>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.userData = new NodeLambda(this, 'user-data', {
      name: 'user-data',
      description: "Exports or erases a user's data (memories, conversations, builds, tools) and records it in the audit trail",
    });
  }
}
