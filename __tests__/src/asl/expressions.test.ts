/** Paths, payload templates, intrinsics, choice conditions and error names. */
import {
  Condition,
  customError,
  format,
  jsonPath,
  jsonToString,
  renderJson,
  renderPayload,
  renderPath,
  stringToJson,
} from '../../../src/asl';

describe('jsonPath', () => {
  it('accepts input and context-object paths', () => {
    expect(jsonPath('$').toString()).toBe('$');
    expect(jsonPath('$.a.b[0]').toString()).toBe('$.a.b[0]');
    expect(jsonPath('$$.Map.Item.Value').toString()).toBe('$$.Map.Item.Value');
  });

  it.each(['buildId', '.buildId', '$buildId', '$$', '', 'a$.b'])('rejects %p', (path) => {
    expect(() => jsonPath(path)).toThrow(/is not a JSONPath/);
  });

  it('keeps the context object out of fields that write (ResultPath)', () => {
    expect(() => renderPath('$$.Execution.Input', 'ResultPath', { allowContext: false })).toThrow(/context object/);
    expect(renderPath('$.error', 'ResultPath', { allowContext: false })).toBe('$.error');
  });
});

describe('payload templates', () => {
  it('renders dynamic values with the .$ key suffix, at any depth', () => {
    expect(
      renderPayload(
        {
          action: 'deploy',
          count: 2,
          dry: false,
          none: null,
          payload: { toolName: jsonPath('$.tool.toolName'), key: format('builds/{}/spec.json', jsonPath('$.buildId')) },
          list: [{ Name: 'A', Value: jsonPath('$.a') }, 'literal', [1, 2]],
        },
        'Parameters',
      ),
    ).toEqual({
      action: 'deploy',
      count: 2,
      dry: false,
      none: null,
      payload: { 'toolName.$': '$.tool.toolName', 'key.$': "States.Format('builds/{}/spec.json', $.buildId)" },
      list: [{ Name: 'A', 'Value.$': '$.a' }, 'literal', [1, 2]],
    });
  });

  it('keeps token-like strings literal: only jsonPath() makes a path', () => {
    const token = '${TfToken[TOKEN.12]}';
    expect(renderPayload({ FunctionName: token, Nested: { Arn: token } }, 'Parameters')).toEqual({
      FunctionName: token,
      Nested: { Arn: token },
    });
  });

  it('rejects hand-written .$ keys, undefined, non-finite numbers, class instances and paths in arrays', () => {
    expect(() => renderPayload({ 'buildId.$': '$.buildId' }, 'Parameters')).toThrow(/Parameters\.buildId\.\$: do not write '\.\$' keys by hand/);
    expect(() => renderPayload({ a: undefined } as never, 'Parameters')).toThrow(/Parameters\.a: undefined is not a JSON value/);
    expect(() => renderPayload({ n: Number.NaN }, 'Parameters')).toThrow(/not a finite number/);
    expect(() => renderPayload({ d: new Date() } as never, 'Parameters')).toThrow(/not a JSON value/);
    expect(() => renderPayload({ l: [jsonPath('$.x')] } as never, 'Parameters')).toThrow(/Parameters\.l\[0\]: .*cannot be an array item/);
  });

  it('renders literal Results without any path', () => {
    expect(renderJson({ a: [1, { b: 'c' }] }, 'Result')).toEqual({ a: [1, { b: 'c' }] });
    expect(() => renderJson({ a: jsonPath('$.x') } as never, 'Result')).toThrow(/literal value cannot hold a JSONPath/);
  });
});

describe('intrinsics', () => {
  it('formats with one argument per placeholder, literals quoted and escaped', () => {
    expect(format('builds/{}/{}-output.json', jsonPath('$.buildId'), 'core').toString()).toBe(
      "States.Format('builds/{}/{}-output.json', $.buildId, 'core')",
    );
    expect(format("it's {} \\ {x}", 3).toString()).toBe("States.Format('it\\'s {} \\\\ \\{x\\}', 3)");
    expect(() => format('builds/{}/spec.json')).toThrow(/1 placeholder\(s\) but 0 argument\(s\)/);
  });

  it('nests', () => {
    expect(format('tool {}: {}', jsonPath('$.name'), jsonToString(jsonPath('$.result'))).toString()).toBe(
      "States.Format('tool {}: {}', $.name, States.JsonToString($.result))",
    );
    expect(stringToJson(jsonPath('$.Body')).toString()).toBe('States.StringToJson($.Body)');
  });
});

describe('Condition', () => {
  it('renders typed comparisons', () => {
    expect(Condition.stringEquals('$.status', 'success').rule).toEqual({ Variable: '$.status', StringEquals: 'success' });
    expect(Condition.booleanEquals(jsonPath('$.ok'), true).rule).toEqual({ Variable: '$.ok', BooleanEquals: true });
    expect(Condition.numericGreaterThanEquals('$.n', 2).rule).toEqual({ Variable: '$.n', NumericGreaterThanEquals: 2 });
    expect(Condition.stringEqualsPath('$.a', '$.b').rule).toEqual({ Variable: '$.a', StringEqualsPath: '$.b' });
    expect(Condition.stringMatches('$.key', 'builds/*').rule).toEqual({ Variable: '$.key', StringMatches: 'builds/*' });
    expect(Condition.isPresent('$.error').rule).toEqual({ Variable: '$.error', IsPresent: true });
    expect(Condition.isString('$.x').rule).toEqual({ Variable: '$.x', IsString: true });
  });

  it('combines with And / Or / Not', () => {
    const rule = Condition.or(
      Condition.and(Condition.isPresent('$.s'), Condition.stringEquals('$.s', 'success')),
      Condition.not(Condition.isNull('$.x')),
    ).rule;
    expect(rule).toEqual({
      Or: [
        { And: [{ Variable: '$.s', IsPresent: true }, { Variable: '$.s', StringEquals: 'success' }] },
        { Not: { Variable: '$.x', IsNull: true } },
      ],
    });
  });

  it('rejects empty combinations, bad paths and non-finite numbers', () => {
    expect(() => Condition.and()).toThrow(/at least one/);
    expect(() => Condition.or()).toThrow(/at least one/);
    expect(() => Condition.stringEquals('status', 'x')).toThrow(/StringEquals Variable: 'status' is not a JSONPath/);
    expect(() => Condition.numericEquals('$.n', Infinity)).toThrow(/finite/);
  });
});

describe('error names', () => {
  it('lets custom names through the escape hatch, but not into the States.* namespace', () => {
    expect(customError('FABLE.ToolDeployFailed')).toBe('FABLE.ToolDeployFailed');
    expect(() => customError('States.Typo')).toThrow(/reserved/);
    expect(() => customError(' ')).toThrow(/non-empty/);
  });
});
