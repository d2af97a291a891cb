import { join } from 'node:path';
import { planInput } from '../../../scripts/terraform-plan/cli';
import { UsageError } from '../../../scripts/terraform-plan/errors';

describe('planInput', () => {
  test('a file alone is named after its directory', () => {
    expect(planInput([join('cdktf.out', 'stacks', 'fable-dev', 'plan.json')], undefined)).toEqual({
      file: join('cdktf.out', 'stacks', 'fable-dev', 'plan.json'),
      stack: 'fable-dev',
    });
  });

  test('--stack names the stack, with or without a file', () => {
    expect(planInput([], 'fable-prod')).toEqual({ file: undefined, stack: 'fable-prod' });
    expect(planInput(['x/plan.json'], 'fable-prod')).toEqual({ file: 'x/plan.json', stack: 'fable-prod' });
  });

  test.each([
    [[], undefined, /a plan JSON file or --stack/],
    [['a.json', 'b.json'], undefined, /at most one plan JSON file, got 2/],
    [[], '../x', /invalid stack name/],
    [[], 'x --><script>', /invalid stack name/],
  ])('%j with --stack %s is a usage error', (positionals, stack, message) => {
    expect(() => planInput(positionals, stack)).toThrow(UsageError);
    expect(() => planInput(positionals, stack)).toThrow(message);
  });
});
