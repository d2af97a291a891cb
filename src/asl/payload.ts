/** Payload templates (Parameters, ResultSelector, ItemSelector) and their rendering. */
import { type Dynamic, isDynamic } from './intrinsics';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

/**
 * A template: plain JSON plus `Dynamic` values in object fields. ASL has no `.$` form for array
 * items, so arrays hold only static values and nested templates.
 */
export type PayloadTemplate = { readonly [key: string]: PayloadField };
export type PayloadField = JsonPrimitive | Dynamic | PayloadTemplate | readonly PayloadElement[];
export type PayloadElement = JsonPrimitive | PayloadTemplate | readonly PayloadElement[];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function renderValue(value: unknown, where: string, allowDynamic: boolean): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${where}: ${value} is not a finite number`);
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((item: unknown, i) => {
      if (isDynamic(item)) {
        throw new Error(`${where}[${i}]: a JSONPath or intrinsic cannot be an array item in ASL; wrap it in an object field`);
      }
      return renderValue(item, `${where}[${i}]`, allowDynamic);
    });
  }
  if (isPlainObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const [key, field] of Object.entries(value)) {
      if (!allowDynamic && isDynamic(field)) throw new Error(`${where}.${key}: a literal value cannot hold a JSONPath or intrinsic`);
      if (allowDynamic && key.endsWith('.$')) {
        throw new Error(`${where}.${key}: do not write '.$' keys by hand; use jsonPath() or an intrinsic as the value`);
      }
      if (isDynamic(field)) out[`${key}.$`] = field.toString();
      else out[key] = renderValue(field, `${where}.${key}`, allowDynamic);
    }
    return out;
  }
  throw new Error(`${where}: ${value === undefined ? 'undefined' : typeof value} is not a JSON value`);
}

/** Renders a template: `Dynamic` fields become `"key.$": "<path or intrinsic>"`. */
export function renderPayload(template: PayloadTemplate, where: string): JsonObject {
  if (!isPlainObject(template)) throw new Error(`${where}: a payload template must be a plain object`);
  return renderValue(template, where, true) as JsonObject;
}

/** Validates a literal JSON value (a Pass `Result`): no paths, no undefined, finite numbers. */
export function renderJson(value: JsonValue, where: string): JsonValue {
  return renderValue(value, where, false);
}
