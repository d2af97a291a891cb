import { toEntries } from '../../../scripts/terraform-plan/entries';
import type { ResourceChange } from '../../../scripts/terraform-plan/plan';

const change = (address: string, actions: string[], extra: Partial<ResourceChange> = {}): ResourceChange => ({
  address,
  type: address.split('.')[0],
  change: { actions, before: null, after: null },
  ...extra,
});

describe('toEntries', () => {
  test('leaves out no-ops and data-source reads, and puts the most consequential changes first', () => {
    const entries = toEntries([
      change('a.create', ['create']),
      change('a.noop', ['no-op']),
      change('a.update', ['update']),
      change('data.read', ['read']),
      change('a.forget', ['forget']),
      change('a.replace', ['create', 'delete']),
      change('a.delete', ['delete']),
    ]);
    expect(entries.map((entry) => [entry.address, entry.action])).toEqual([
      ['a.delete', 'delete'],
      ['a.replace', 'replace'],
      ['a.update', 'update'],
      ['a.create', 'create'],
      ['a.forget', 'forget'],
    ]);
  });

  test('names a deposed object and keeps the action reason', () => {
    const [entry] = toEntries([change('aws_s3_bucket.b', ['delete'], { deposed: '0a1b2c3d', action_reason: 'delete_because_no_resource_config' })]);
    expect(entry).toMatchObject({
      address: 'aws_s3_bucket.b (deposed object 0a1b2c3d)',
      type: 'aws_s3_bucket',
      action: 'delete',
      reason: 'delete_because_no_resource_config',
    });
  });
});
