/** Typed Choice conditions: `Condition.stringEquals('$.status', 'success')`, `Condition.and(...)`. */
import type { AslCondition, ComparisonOperator } from './asl-types';
import { type PathInput, renderPath } from './paths';

export class Condition {
  private constructor(readonly rule: AslCondition) {}

  private static test(variable: PathInput, operator: ComparisonOperator, value: string | number | boolean): Condition {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${operator}: ${value} is not a finite number`);
    return new Condition({ Variable: renderPath(variable, `${operator} Variable`), [operator]: value });
  }

  private static pathTest(variable: PathInput, operator: ComparisonOperator, other: PathInput): Condition {
    return new Condition({ Variable: renderPath(variable, `${operator} Variable`), [operator]: renderPath(other, operator) });
  }

  static stringEquals(variable: PathInput, value: string): Condition {
    return Condition.test(variable, 'StringEquals', value);
  }
  static stringEqualsPath(variable: PathInput, other: PathInput): Condition {
    return Condition.pathTest(variable, 'StringEqualsPath', other);
  }
  static stringLessThan(variable: PathInput, value: string): Condition {
    return Condition.test(variable, 'StringLessThan', value);
  }
  static stringGreaterThan(variable: PathInput, value: string): Condition {
    return Condition.test(variable, 'StringGreaterThan', value);
  }
  /** `*` is the only wildcard; escape a literal `*` as `\\*`. */
  static stringMatches(variable: PathInput, pattern: string): Condition {
    return Condition.test(variable, 'StringMatches', pattern);
  }
  static numericEquals(variable: PathInput, value: number): Condition {
    return Condition.test(variable, 'NumericEquals', value);
  }
  static numericEqualsPath(variable: PathInput, other: PathInput): Condition {
    return Condition.pathTest(variable, 'NumericEqualsPath', other);
  }
  static numericLessThan(variable: PathInput, value: number): Condition {
    return Condition.test(variable, 'NumericLessThan', value);
  }
  static numericLessThanEquals(variable: PathInput, value: number): Condition {
    return Condition.test(variable, 'NumericLessThanEquals', value);
  }
  static numericGreaterThan(variable: PathInput, value: number): Condition {
    return Condition.test(variable, 'NumericGreaterThan', value);
  }
  static numericGreaterThanEquals(variable: PathInput, value: number): Condition {
    return Condition.test(variable, 'NumericGreaterThanEquals', value);
  }
  static booleanEquals(variable: PathInput, value: boolean): Condition {
    return Condition.test(variable, 'BooleanEquals', value);
  }
  /**
   * Comparing a missing field is a States.Runtime error (uncatchable), so guard optional fields:
   * `and(isPresent(p), stringEquals(p, ...))` — And stops at the first false.
   */
  static isPresent(variable: PathInput): Condition {
    return Condition.test(variable, 'IsPresent', true);
  }
  static isNull(variable: PathInput): Condition {
    return Condition.test(variable, 'IsNull', true);
  }
  static isString(variable: PathInput): Condition {
    return Condition.test(variable, 'IsString', true);
  }
  static isNumeric(variable: PathInput): Condition {
    return Condition.test(variable, 'IsNumeric', true);
  }
  static isBoolean(variable: PathInput): Condition {
    return Condition.test(variable, 'IsBoolean', true);
  }

  static and(...conditions: Condition[]): Condition {
    if (conditions.length === 0) throw new Error('Condition.and() needs at least one condition');
    return new Condition({ And: conditions.map((c) => c.rule) });
  }
  static or(...conditions: Condition[]): Condition {
    if (conditions.length === 0) throw new Error('Condition.or() needs at least one condition');
    return new Condition({ Or: conditions.map((c) => c.rule) });
  }
  static not(condition: Condition): Condition {
    return new Condition({ Not: condition.rule });
  }
}
