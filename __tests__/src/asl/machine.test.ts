/** Whole-graph checks made when the machine renders. */
import { Condition, StateMachine, type StateGraph } from '../../../src/asl';

const noop = { resource: 'arn:aws:states:::lambda:invoke', parameters: { FunctionName: 'fn' }, policies: [] };

describe('StateMachine.render', () => {
  it('produces Comment, StartAt, TimeoutSeconds and States, and is what JSON.stringify prints', () => {
    const sm = new StateMachine({ comment: 'demo', timeoutSeconds: 7200 });
    sm.startAt(sm.succeed('Done'));
    expect(Object.keys(sm.render())).toEqual(['Comment', 'StartAt', 'TimeoutSeconds', 'States']);
    expect(JSON.parse(JSON.stringify(sm))).toEqual({ Comment: 'demo', StartAt: 'Done', TimeoutSeconds: 7200, States: { Done: { Type: 'Succeed' } } });
    expect(() => new StateMachine({ timeoutSeconds: 0 })).toThrow(/timeoutSeconds/);
  });

  it('lists the main path first, failure handling after it', () => {
    const sm = new StateMachine();
    const failed = sm.fail('Failed');
    const done = sm.succeed('Done');
    const second = sm.task('Second', noop).catch({ errors: ['States.ALL'], next: failed, resultPath: '$.e' });
    sm.startAt(sm.task('First', noop).catch({ errors: ['States.ALL'], next: failed, resultPath: '$.e' })).next(second).next(done);
    expect(Object.keys(sm.render().States)).toEqual(['First', 'Second', 'Done', 'Failed']);
  });

  it('rejects a machine without a start state', () => {
    const sm = new StateMachine();
    sm.succeed('Done');
    expect(() => sm.render()).toThrow(/the state machine has no start state: call startAt\(state\)/);
  });

  it('rejects duplicate state names in one graph', () => {
    const sm = new StateMachine();
    sm.startAt(sm.pass('Step')).next(sm.pass('Step')).next(sm.succeed('Done'));
    expect(() => sm.render()).toThrow(/duplicate state name 'Step' \(twice in the state machine\)/);
  });

  it('rejects duplicate names across a Map sub-graph (ASL names are machine-wide)', () => {
    const sm = new StateMachine();
    const map = sm.map('Each', { itemsPath: '$.items' }, (items) => items.succeed('Done'));
    sm.startAt(map).next(sm.succeed('Done'));
    expect(() => sm.render()).toThrow(/duplicate state name 'Done' \(in .* and .*\); state names must be unique across the machine/);
  });

  it('rejects unreachable states', () => {
    const sm = new StateMachine();
    sm.startAt(sm.succeed('Done'));
    const orphan = sm.task('Orphan', noop);
    orphan.next(sm.fail('OrphanFailed'));
    expect(() => sm.render()).toThrow(/unreachable state\(s\) in the state machine: 'Orphan', 'OrphanFailed' \(nothing transitions to them from 'Done'\)/);
  });

  it('rejects a state that neither continues nor ends (a dangling end of the flow)', () => {
    const sm = new StateMachine();
    sm.startAt(sm.pass('A')).next(sm.task('B', noop));
    expect(() => sm.render()).toThrow(/Task 'B' has neither Next nor End: call \.next\(state\) or \.end\(\)/);
  });

  it('rejects a dangling Next into another graph', () => {
    const other = new StateMachine();
    const foreign = other.succeed('Elsewhere');
    const sm = new StateMachine();
    sm.startAt(sm.pass('A')).next(foreign);
    expect(() => sm.render()).toThrow(/dangling Next: Pass 'A' in the state machine transitions to 'Elsewhere', which belongs to the state machine/);
  });

  it('rejects a Catch that leaves a Map iteration, and a Next that enters one', () => {
    const sm = new StateMachine();
    const failed = sm.fail('Failed');
    let inner: StateGraph | undefined;
    const map = sm.map('Each', { itemsPath: '$.items' }, (items) => {
      inner = items;
      return items.task('Work', noop).catch({ errors: ['States.ALL'], next: failed, resultPath: '$.e' }).end();
    });
    sm.startAt(map).next(sm.succeed('Done'));
    expect(() => sm.render()).toThrow(/dangling Next: Task 'Work' in Map 'Each' item processor transitions to 'Failed', which belongs to the state machine/);

    const sm2 = new StateMachine();
    let innerStart: ReturnType<StateGraph['succeed']> | undefined;
    const map2 = sm2.map('Each2', {}, (items) => (innerStart = items.succeed('InnerDone')));
    sm2.startAt(sm2.pass('Jump')).next(innerStart!);
    map2.end();
    expect(() => sm2.render()).toThrow(/dangling Next: Pass 'Jump' in the state machine transitions to 'InnerDone', which belongs to Map 'Each2' item processor/);
    expect(inner).toBeDefined();
  });

  it('validates Map sub-graphs like the machine: unreachable and unwired states', () => {
    const sm = new StateMachine();
    sm.startAt(
      sm.map('Each', {}, (items) => {
        items.pass('Forgotten').end();
        return items.succeed('InnerDone');
      }),
    ).end();
    expect(() => sm.render()).toThrow(/unreachable state\(s\) in Map 'Each' item processor: 'Forgotten'/);

    const sm2 = new StateMachine();
    sm2.startAt(sm2.map('Each', {}, (items) => items.pass('Unwired'))).end();
    expect(() => sm2.render()).toThrow(/Pass 'Unwired' has neither Next nor End/);
  });

  it('requires a Default on every Choice, and at least one rule', () => {
    const sm = new StateMachine();
    sm.startAt(sm.choice('Ok?')).when(Condition.stringEquals('$.s', 'x'), sm.succeed('Done'));
    expect(() => sm.render()).toThrow(/Choice 'Ok\?' has no Default: call \.otherwise\(state\)/);

    const sm2 = new StateMachine();
    sm2.startAt(sm2.choice('Empty?')).otherwise(sm2.succeed('Done'));
    expect(() => sm2.render()).toThrow(/Choice 'Empty\?' has no rules/);
  });

  it('rejects a graph that can never finish', () => {
    const sm = new StateMachine();
    const a = sm.pass('A');
    const loop = sm.choice('Again?').when(Condition.isPresent('$.x'), a).otherwise(a);
    sm.startAt(a).next(loop);
    expect(() => sm.render()).toThrow(/the state machine has no terminal state/);
  });

  it('allows loops that can finish (e.g. polling)', () => {
    const sm = new StateMachine();
    const poll = sm.task('Poll', noop);
    sm.startAt(poll).next(sm.choice('Ready?')).when(Condition.booleanEquals('$.ready', true), sm.succeed('Ready')).otherwise(poll);
    expect(sm.render().States['Ready?']).toMatchObject({ Default: 'Poll' });
  });
});
