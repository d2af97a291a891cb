import { FableTables } from '../../../src/data/tables';
import { findResource, synthJson } from '../../helpers/synth';
import { testStage } from '../../helpers/stage';

describe('the quotas table', () => {
  it.each(['dev', 'prod'])('is fable-%s-quotas: PK/SK strings, ttl, point-in-time recovery, encryption, deletion protection in prod', (stage) => {
    const test = testStage({ stage });
    new FableTables(test.stack, 'tables');
    const table = findResource(synthJson(test.stack), 'aws_dynamodb_table', (t) => t.name === `fable-${stage}-quotas`);
    expect(table).toMatchObject({
      billing_mode: 'PAY_PER_REQUEST',
      hash_key: 'PK',
      range_key: 'SK',
      attribute: [
        { name: 'PK', type: 'S' },
        { name: 'SK', type: 'S' },
      ],
      ttl: { attribute_name: 'ttl', enabled: true },
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true },
      deletion_protection_enabled: stage === 'prod',
    });
    expect(table.global_secondary_index ?? []).toEqual([]);
  });
});
