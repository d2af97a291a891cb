/**
 * Typed intrinsic functions (`States.Format(...)` etc.), so templates are built from parts
 * rather than by string concatenation, with the literal escaping the ASL spec requires.
 */
import { JsonPath } from './paths';

export type IntrinsicArg = JsonPath | Intrinsic | string | number | boolean | null;

export class Intrinsic {
  private constructor(
    readonly expression: string,
    /** For `format`: the template with every placeholder as `*`, the shape an IAM resource pattern takes. */
    readonly pattern?: string,
  ) {}

  /** @internal The helpers below are the only callers, so every argument is rendered and escaped. */
  static build(functionName: string, renderedArgs: readonly string[], pattern?: string): Intrinsic {
    return new Intrinsic(`${functionName}(${renderedArgs.join(', ')})`, pattern);
  }

  toString(): string {
    return this.expression;
  }
}

/** A value that is computed at run time: its payload key gets the `.$` suffix. */
export type Dynamic = JsonPath | Intrinsic;

export function isDynamic(value: unknown): value is Dynamic {
  return value instanceof JsonPath || value instanceof Intrinsic;
}

// The ASL spec reserves ' { } and \ inside string literals of intrinsic functions.
function escapeLiteral(text: string): string {
  return text.replace(/[\\'{}]/g, (ch) => `\\${ch}`);
}

function renderArg(arg: IntrinsicArg): string {
  if (arg instanceof JsonPath || arg instanceof Intrinsic) return arg.toString();
  if (typeof arg === 'string') return `'${escapeLiteral(arg)}'`;
  if (typeof arg === 'number') {
    if (!Number.isFinite(arg)) throw new Error(`intrinsic argument ${arg} is not a finite number`);
    return String(arg);
  }
  return String(arg);
}

/** `States.Format('builds/{}/spec.json', $.buildId)`: one argument per `{}` placeholder. */
export function format(template: string, ...args: IntrinsicArg[]): Intrinsic {
  const pieces = template.split('{}');
  if (pieces.length - 1 !== args.length) {
    throw new Error(`format('${template}'): ${pieces.length - 1} placeholder(s) but ${args.length} argument(s)`);
  }
  return Intrinsic.build('States.Format', [`'${pieces.map(escapeLiteral).join('{}')}'`, ...args.map(renderArg)], pieces.join('*'));
}

/** `States.StringToJson($.Body)`: parses a JSON string (e.g. an S3 object body). */
export function stringToJson(value: Dynamic): Intrinsic {
  return Intrinsic.build('States.StringToJson', [renderArg(value)]);
}

/** `States.JsonToString($.x)`: serializes a value (e.g. to use it as an error Cause). */
export function jsonToString(value: Dynamic): Intrinsic {
  return Intrinsic.build('States.JsonToString', [renderArg(value)]);
}

/** The IAM resource pattern a value can take at run time: itself, a format's template, or anything. */
export function runtimePattern(value: string | Dynamic): string {
  if (typeof value === 'string') return value;
  return value instanceof Intrinsic && value.pattern !== undefined ? value.pattern : '*';
}
