/**
 * JSONPath references. A path is always explicit (a `JsonPath` object or a path-typed field):
 * resource names arrive as Terraform tokens such as `${TfToken[TOKEN.1]}`, which also start
 * with `$`, so the builder never guesses that a plain string is a path.
 */
export class JsonPath {
  private constructor(readonly path: string) {}

  /** `$.x` (state input) or `$$.x` (context object, e.g. `$$.Map.Item.Value`). */
  static of(path: string): JsonPath {
    return new JsonPath(checkPath(path, 'jsonPath()', { allowContext: true }));
  }

  toString(): string {
    return this.path;
  }
}

/** A JSONPath value: in a payload template its key is rendered with the `.$` suffix. */
export function jsonPath(path: string): JsonPath {
  return JsonPath.of(path);
}

/** What path-typed fields (InputPath, ResultPath, ItemsPath, Variable, ...) accept. */
export type PathInput = string | JsonPath;

interface PathRules {
  /** `$$.` paths read the context object; ResultPath can only write into the state input. */
  readonly allowContext: boolean;
}

const PATH_PATTERN = /^\$(\$)?([.[].*)?$/s;

function checkPath(path: string, where: string, rules: PathRules): string {
  const match = typeof path === 'string' ? PATH_PATTERN.exec(path) : null;
  if (!match || (match[1] !== undefined && match[2] === undefined)) {
    throw new Error(`${where}: '${String(path)}' is not a JSONPath (expected '$', '$.field' or '$$.field')`);
  }
  if (match[1] !== undefined && !rules.allowContext) {
    throw new Error(`${where}: '${path}' reads the context object, which this field cannot use`);
  }
  return path;
}

/** Renders a path-typed field, validating it. */
export function renderPath(path: PathInput, where: string, rules: PathRules = { allowContext: true }): string {
  return checkPath(path instanceof JsonPath ? path.path : path, where, rules);
}

/** Renders InputPath / OutputPath / ResultPath, where `null` is meaningful (empty input / discard). */
export function renderNullablePath(path: PathInput | null, where: string, rules?: PathRules): string | null {
  return path === null ? null : renderPath(path, where, rules);
}
