import * as z from 'zod';
import { HandlerError } from '../../../lambdas/shared/responses';
import { checkInput, fieldPath, parseInput } from '../../../lambdas/shared/validation';

const messageOf = (schema: z.ZodType, value: unknown, root?: string) => {
  const checked = checkInput(schema, value, root);
  if (checked.success) throw new Error('expected the value to be rejected');
  return checked.message;
};

describe('the BAD_REQUEST formatter', () => {
  const payload = z.object({
    name: z.string().min(1).max(8),
    count: z.int().min(1).max(50),
    ratio: z.number().min(0).max(1),
    tags: z.array(z.string()).min(1).max(2),
    kind: z.enum(['a', 'b']),
  });
  const event = z.discriminatedUnion('action', [
    z.object({ action: z.literal('make'), payload }),
    z.object({ action: z.literal('drop'), payload: z.strictObject({ id: z.string() }) }),
  ]);
  const valid = { name: 'n', count: 1, ratio: 0.5, tags: ['t'], kind: 'a' };
  const make = (overrides: Record<string, unknown>) => ({ action: 'make', payload: { ...valid, ...overrides } });

  it.each([
    ['a missing event', undefined, 'event is required'],
    ['an event that is not an object', 'make', 'event must be an object'],
    ['an unknown action', { action: 'burn', payload: {} }, 'action must be one of make, drop'],
    ['a missing payload', { action: 'make' }, 'payload is required'],
    ['a missing field', make({ name: undefined }), 'payload.name is required'],
    ['a field of the wrong type', make({ name: 7 }), 'payload.name must be a string'],
    ['an empty string', make({ name: '' }), 'payload.name must not be empty'],
    ['a string too long', make({ name: 'x'.repeat(9) }), 'payload.name must be at most 8 characters'],
    ['a fraction where an integer belongs', make({ count: 2.5 }), 'payload.count must be an integer'],
    ['a number below its range', make({ count: 0 }), 'payload.count must be at least 1'],
    ['a number above its range', make({ ratio: 1.5 }), 'payload.ratio must be at most 1'],
    ['a non-finite number', make({ ratio: Number.NaN }), 'payload.ratio must be a number'],
    ['an empty list', make({ tags: [] }), 'payload.tags must have at least 1 item'],
    ['a list too long', make({ tags: ['a', 'b', 'c'] }), 'payload.tags must have at most 2 items'],
    ['a wrong list element', make({ tags: ['a', 5] }), 'payload.tags[1] must be a string'],
    ['a value outside an enum', make({ kind: 'c' }), 'payload.kind must be one of a, b'],
    ['unknown fields of a strict object', { action: 'drop', payload: { id: 'x', extra: 1, more: 2 } }, 'payload has unknown fields: extra, more'],
  ])('names the field and what was expected for %s', (_label, value, message) => {
    expect(messageOf(event, value)).toBe(message);
  });

  it('keeps a schema’s own message and names the field it is about', () => {
    const id = z.string().regex(/^[a-z]+$/, { error: 'must be lowercase letters' });
    expect(messageOf(z.object({ owner: z.object({ id }) }), { owner: { id: 'A1' } })).toBe('owner.id must be lowercase letters');
    const refined = z.object({ from: z.number(), to: z.number() }).refine((r) => r.from < r.to, { error: 'must end after it starts' });
    expect(messageOf(refined, { from: 2, to: 1 }, 'range')).toBe('range must end after it starts');
  });

  it('reports the first problem of a value with several', () => {
    expect(messageOf(event, make({ name: 7, count: 0 }))).toBe('payload.name must be a string');
  });

  it('names the root it is given for problems with the whole value', () => {
    expect(messageOf(event, [1, 2], 'frame')).toBe('frame must be an object');
  });

  it('builds dotted paths with indexes', () => {
    expect(fieldPath([], 'event')).toBe('event');
    expect(fieldPath(['payload', 'schema', 'inputSchema'], 'event')).toBe('payload.schema.inputSchema');
    expect(fieldPath(['payload', 'tags', 3], 'event')).toBe('payload.tags[3]');
  });
});

describe('parseInput', () => {
  it('returns the parsed value with defaults applied', () => {
    const schema = z.object({ limit: z.int().default(10), name: z.string() });
    expect(parseInput(schema, { name: 'n' })).toEqual({ limit: 10, name: 'n' });
  });

  it('throws BAD_REQUEST with the formatted message', () => {
    expect(() => parseInput(z.object({ name: z.string() }), {})).toThrow(new HandlerError('BAD_REQUEST', 'name is required'));
  });
});
