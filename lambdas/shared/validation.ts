import { badRequest } from './responses';

/** Small validators that turn bad input into BAD_REQUEST with the field named. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireObject(value: unknown, field: string): JsonObject {
  if (!isObject(value)) throw badRequest(`${field} must be an object`);
  return value;
}

export interface StringRule {
  readonly maxLength?: number;
  readonly pattern?: RegExp;
}

export function requireString(object: JsonObject, field: string, rule: StringRule = {}): string {
  const value = object[field];
  if (typeof value !== 'string' || value.trim() === '') throw badRequest(`${field} must be a non-empty string`);
  return checkString(value, field, rule);
}

export function optionalString(object: JsonObject, field: string, rule: StringRule = {}): string | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw badRequest(`${field} must be a non-empty string when given`);
  return checkString(value, field, rule);
}

function checkString(value: string, field: string, rule: StringRule): string {
  if (rule.maxLength !== undefined && value.length > rule.maxLength) {
    throw badRequest(`${field} must be at most ${rule.maxLength} characters`);
  }
  if (rule.pattern && !rule.pattern.test(value)) throw badRequest(`${field} has an invalid format`);
  return value;
}

export function optionalInteger(object: JsonObject, field: string, min: number, max: number): number | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function requireOneOf<T extends string>(object: JsonObject, field: string, allowed: readonly T[]): T {
  const value = object[field];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw badRequest(`${field} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Opaque ids (userId, orgId, connectionId...): printable, bounded, no control characters. */
export const ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
