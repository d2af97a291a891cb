import { CliError } from '../../../scripts/terraform-plan/errors';
import { parsePlan } from '../../../scripts/terraform-plan/plan';

const plan = (fields: object) => JSON.stringify({ format_version: '1.2', planned_values: {}, ...fields });

describe('parsePlan', () => {
  test('accepts any 1.x format and defaults the lists Terraform omits when empty', () => {
    expect(parsePlan(plan({ format_version: '1.10' }), 'p.json')).toEqual({
      format_version: '1.10',
      terraform_version: undefined,
      resource_changes: [],
      resource_drift: [],
    });
  });

  test.each([
    ['not JSON', '{', /^p\.json is not valid JSON/],
    ['not an object', '[]', /expected a JSON object/],
    ['no format_version', JSON.stringify({ planned_values: {} }), /has no format_version/],
    ['format 0.2', plan({ format_version: '0.2' }), /format_version "0\.2", which is not supported/],
    ['format 2.0', plan({ format_version: '2.0' }), /format_version "2\.0", which is not supported/],
    ['state JSON', JSON.stringify({ format_version: '1.0', values: {} }), /no planned_values \(is it state JSON/],
    ['resource_changes not a list', plan({ resource_changes: {} }), /resource_changes must be an array/],
    ['an entry without an address', plan({ resource_changes: [{ type: 't', change: { actions: [] } }] }), /resource_changes\[0\] must be an object/],
    ['actions not strings', plan({ resource_drift: [{ address: 'a.b', type: 'a', change: { actions: [1] } }] }), /resource_drift\[0\] \(a\.b\) must have change\.actions/],
  ])('rejects %s with a CliError naming the input', (_case, text, message) => {
    expect(() => parsePlan(text, 'p.json')).toThrow(CliError);
    expect(() => parsePlan(text, 'p.json')).toThrow(message);
  });
});
