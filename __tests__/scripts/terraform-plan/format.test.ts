import { SENSITIVE, UNKNOWN } from '../../../scripts/terraform-plan/attributes';
import { code, formatPath, formatValue, plural, shorten } from '../../../scripts/terraform-plan/format';

describe('format', () => {
  test('formatPath uses Terraform notation and quotes keys that are not identifiers', () => {
    expect(formatPath(['tags', 'aws:env'])).toBe('tags["aws:env"]');
    expect(formatPath(['ingress', 0, 'cidr_blocks', 1])).toBe('ingress[0].cidr_blocks[1]');
    expect(formatPath(['my-key'])).toBe('my-key');
  });

  test('formatValue: one line, strings quoted and escaped, masked values bare', () => {
    expect(formatValue({ a: 'x\ny', 'b c': [1, null, SENSITIVE], d: UNKNOWN }, 200)).toBe('{a = "x\\ny", "b c" = [1, null, (sensitive value)], d = (known after apply)}');
    expect(formatValue(undefined, 10)).toBe('null');
    expect(formatValue('a'.repeat(50), 10)).toBe(`"${'a'.repeat(8)}…`);
  });

  test('shorten never splits a surrogate pair', () => {
    expect(shorten('ab😀cd', 4)).toBe('ab…');
    expect(shorten('abc', 3)).toBe('abc');
  });

  test('code escapes HTML and the table-cell separator', () => {
    expect(code('a|b <c> & `d`')).toBe('<code>a&#124;b &lt;c&gt; &amp; `d`</code>');
  });

  test('plural', () => {
    expect(plural(1, 'resource')).toBe('1 resource');
    expect(plural(3, 'resource')).toBe('3 resources');
  });
});
