import { SENSITIVE, UNKNOWN, attributeChanges } from '../../../scripts/terraform-plan/attributes';
import type { Change } from '../../../scripts/terraform-plan/plan';

const update = (change: Omit<Change, 'actions'>): Change => ({ actions: ['update'], before_sensitive: {}, after_sensitive: {}, after_unknown: {}, ...change });
const summary = (change: Change) => attributeChanges(change).map(({ path, before, after }) => [path.join('/'), before, after]);

describe('attributeChanges', () => {
  test('nested objects: only the leaves that change', () => {
    const change = update({
      before: { name: 'a', tags: { Stage: 'dev', Owner: 'x' }, size: 1 },
      after: { name: 'a', tags: { Stage: 'dev', Owner: 'y', New: 'n' }, size: 1 },
    });
    expect(summary(change)).toEqual([
      ['tags/New', undefined, 'n'],
      ['tags/Owner', 'x', 'y'],
    ]);
  });

  test('create: unknown attributes come from after_unknown, null attributes are left out', () => {
    const change: Change = { actions: ['create'], before: null, after: { name: 'a', description: null }, after_unknown: { arn: true }, before_sensitive: false, after_sensitive: {} };
    expect(summary(change)).toEqual([
      ['arn', undefined, UNKNOWN],
      ['name', undefined, 'a'],
    ]);
  });

  test('an attribute missing from `after` whose parts are unknown is shown with those parts', () => {
    const change: Change = { actions: ['create'], before: null, after: {}, after_unknown: { config: { id: true, name: false } }, before_sensitive: false, after_sensitive: {} };
    expect(summary(change)).toEqual([['config', undefined, { id: UNKNOWN }]]);
  });

  test('a sensitive map entry is masked on its own; an attribute becoming sensitive is masked on both sides', () => {
    const change = update({
      before: { env: { PUBLIC: 'a', TOKEN: 'old' }, password: 'plain' },
      after: { env: { PUBLIC: 'b', TOKEN: 'new' }, password: 'plain-but-secret' },
      before_sensitive: { env: { TOKEN: true } },
      after_sensitive: { env: { TOKEN: true }, password: true },
    });
    expect(summary(change)).toEqual([
      ['env/PUBLIC', 'a', 'b'],
      ['env/TOKEN', SENSITIVE, SENSITIVE],
      ['password', SENSITIVE, SENSITIVE],
    ]);
  });

  test('an unchanged sensitive value is not listed', () => {
    const change = update({ before: { secret: 's', n: 1 }, after: { secret: 's', n: 2 }, before_sensitive: { secret: true }, after_sensitive: { secret: true } });
    expect(summary(change)).toEqual([['n', 1, 2]]);
  });

  test('equal-length lists are compared by position', () => {
    expect(summary(update({ before: { ids: ['a', 'b'] }, after: { ids: ['a', 'c'] } }))).toEqual([['ids/1', 'b', 'c']]);
  });

  test('lists that grow or shrink show the elements added and removed, matched by value', () => {
    const change = update({
      before: { rules: [{ port: 22 }, { port: 443 }, { port: 443 }] },
      after: { rules: [{ port: 443 }, { port: 80 }, { port: 8080 }, { port: 443 }] },
    });
    expect(summary(change)).toEqual([
      ['rules/0', { port: 22 }, undefined],
      ['rules/1', undefined, { port: 80 }],
      ['rules/2', undefined, { port: 8080 }],
    ]);
  });

  test('unknown and sensitive parts of a value shown whole are masked inside it', () => {
    const change = update({
      before: { items: [] },
      after: { items: [{ name: 'a', secret: 's' }] },
      after_unknown: { items: [{ id: true }] },
      after_sensitive: { items: [{ secret: true }] },
    });
    expect(summary(change)).toEqual([['items/0', undefined, { id: UNKNOWN, name: 'a', secret: SENSITIVE }]]);
  });

  test('JSON documents in strings are compared by structure; other strings whole', () => {
    const policy = (resource: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: resource }] });
    const change = update({ before: { policy: policy('a'), note: '{not json' }, after: { policy: policy('b'), note: '{still not' } });
    expect(summary(change)).toEqual([
      ['note', '{not json', '{still not'],
      ['policy/Statement/0/Resource', 'a', 'b'],
    ]);
  });

  test('a sensitive JSON string stays opaque', () => {
    const change = update({ before: { doc: '{"a":1}' }, after: { doc: '{"a":2}' }, before_sensitive: { doc: true }, after_sensitive: { doc: true } });
    expect(summary(change)).toEqual([['doc', SENSITIVE, SENSITIVE]]);
  });

  test('replace_paths mark the attributes at, under or above them', () => {
    const change: Change = {
      actions: ['delete', 'create'],
      before: { name: 'a', config: { engine: 'x' }, list: ['p'], other: 1 },
      after: { name: 'b', config: { engine: 'y' }, list: ['p', 'q'], other: 2 },
      replace_paths: [['name'], ['config'], ['list', 1]],
      after_unknown: {},
      before_sensitive: {},
      after_sensitive: {},
    };
    expect(attributeChanges(change).map(({ path, forcesReplacement }) => [path.join('/'), forcesReplacement])).toEqual([
      ['config/engine', true],
      ['list/1', true],
      ['name', true],
      ['other', false],
    ]);
  });
});
