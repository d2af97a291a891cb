import { AUDIT_CHANGE_ACTIONS, AuditTable } from '../../../src/data/audit-table';
import { FableRole } from '../../../src/iam/fable-role';
import { findResource, synthJson } from '../../helpers/synth';
import { testStage } from '../../helpers/stage';

const role = (scope: ConstructorParameters<typeof FableRole>[0], name: string) =>
  new FableRole(scope, name, { name, description: name, service: 'lambda.amazonaws.com' });

describe('the audit table', () => {
  it('guards every role of its stage, made before or after it, with one explicit Deny of every change', () => {
    const { stack } = testStage();
    role(stack, 'before').addStatements({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/k'] });
    new AuditTable(stack, 'audit');
    role(stack, 'after').addStatements({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/k'] });
    const json = synthJson(stack);
    const table = Object.keys(json.resource.aws_dynamodb_table)[0];
    for (const name of ['before', 'after']) {
      const [roleId] = Object.entries(json.resource.aws_iam_role).find(([, r]) => r.name === name)!;
      const policy = JSON.parse(findResource(json, 'aws_iam_role_policy', (p) => p.role === `\${aws_iam_role.${roleId}.id}`).policy);
      expect(policy.Statement.filter((s: { Effect: string }) => s.Effect === 'Deny')).toEqual([
        { Sid: 'AuditTrailIsAppendOnly', Effect: 'Deny', Action: [...AUDIT_CHANGE_ACTIONS], Resource: `\${aws_dynamodb_table.${table}.arn}` },
      ]);
    }
  });

  it('is fable-<stage>-audit, with point-in-time recovery and no expiry, protected from deletion in prod', () => {
    for (const stage of ['dev', 'prod']) {
      const test = testStage({ stage });
      new AuditTable(test.stack, 'audit');
      const [table] = Object.values(synthJson(test.stack).resource.aws_dynamodb_table);
      expect(table).toMatchObject({ name: `fable-${stage}-audit`, point_in_time_recovery: { enabled: true }, deletion_protection_enabled: stage === 'prod' });
      expect(table.ttl).toBeUndefined();
    }
  });

  it('leaves a role that was granted nothing refused at synth, though it carries the guard', () => {
    const { stack } = testStage();
    new AuditTable(stack, 'audit');
    role(stack, 'empty');
    expect(() => synthJson(stack)).toThrow('Role empty has no permissions granted.');
  });
});
