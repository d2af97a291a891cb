import { STATEFUL_TYPES, classify, isDestructive } from '../../../scripts/terraform-plan/actions';

describe('classify', () => {
  test.each([
    [['no-op'], 'no-op'],
    [['create'], 'create'],
    [['read'], 'read'],
    [['update'], 'update'],
    [['delete', 'create'], 'replace'],
    [['create', 'delete'], 'replace'],
    [['delete'], 'delete'],
    [['forget'], 'forget'],
  ])('%j is %s', (actions, expected) => {
    expect(classify(actions)).toBe(expected);
  });

  test('an unfamiliar combination that deletes is still caught as destructive', () => {
    expect(isDestructive(classify(['delete', 'something-new']))).toBe(true);
  });

  test('only deletions and replacements are destructive', () => {
    expect(['delete', 'replace'].every((action) => isDestructive(action as never))).toBe(true);
    expect(['create', 'update', 'forget', 'read', 'no-op'].some((action) => isDestructive(action as never))).toBe(false);
  });

  test('the stateful types are the ones that hold FABLE data', () => {
    expect([...STATEFUL_TYPES].sort()).toEqual(['aws_dynamodb_table', 'aws_ecr_repository', 'aws_rds_cluster', 'aws_rds_cluster_instance', 'aws_s3_bucket']);
  });
});
