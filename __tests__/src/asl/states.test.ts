/** Each state type renders the ASL it should; chaining, Retry and Catch. */
import { Condition, StateMachine, customError, jsonPath, lambdaInvoke } from '../../../src/asl';

const resource = { resource: 'arn:aws:states:::lambda:invoke', parameters: { FunctionName: 'fn', Payload: { id: jsonPath('$.id') } }, policies: [] };

/** A machine whose only job is to render `build`'s states. */
function render(build: (sm: StateMachine) => void) {
  const sm = new StateMachine({ comment: 'test', timeoutSeconds: 60 });
  build(sm);
  return sm.render();
}

describe('state rendering', () => {
  it('Task: resource, parameters, selectors, paths and timeouts', () => {
    const asl = render((sm) => {
      sm.startAt(
        sm.task('Work', resource, {
          comment: 'does the work',
          inputPath: '$.in',
          resultSelector: { Payload: jsonPath('$.Payload') },
          resultPath: '$.result',
          outputPath: '$',
          timeoutSeconds: 30,
          heartbeatSeconds: 10,
        }),
      ).end();
    });
    expect(asl).toEqual({
      Comment: 'test',
      StartAt: 'Work',
      TimeoutSeconds: 60,
      States: {
        Work: {
          Type: 'Task',
          Comment: 'does the work',
          InputPath: '$.in',
          OutputPath: '$',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'fn', Payload: { 'id.$': '$.id' } },
          ResultSelector: { 'Payload.$': '$.Payload' },
          ResultPath: '$.result',
          TimeoutSeconds: 30,
          HeartbeatSeconds: 10,
          End: true,
        },
      },
    });
  });

  it('Task: ResultPath null keeps the input; bad timeouts throw where declared', () => {
    const asl = render((sm) => {
      sm.startAt(sm.task('Work', resource, { resultPath: null })).end();
    });
    expect(asl.States.Work).toMatchObject({ ResultPath: null });
    const sm = new StateMachine();
    expect(() => sm.task('A', resource, { timeoutSeconds: 0 })).toThrow(/timeoutSeconds must be an integer >= 1/);
    expect(() => sm.task('B', resource, { timeoutSeconds: 1.5 })).toThrow(/timeoutSeconds/);
    expect(() => sm.task('C', resource, { timeoutSeconds: 10, heartbeatSeconds: 10 })).toThrow(/heartbeatSeconds must be smaller/);
    expect(() => sm.task('D', { resource: '', policies: [] })).toThrow(/no Resource/);
    expect(() => sm.task('E', resource, { resultPath: '$$.Execution' })).toThrow(/context object/);
  });

  it('Pass: parameters or a literal result', () => {
    const asl = render((sm) => {
      sm.startAt(sm.pass('Shape', { parameters: { Error: 'X', 'Cause': jsonPath('$.why') }, resultPath: '$.error' })).next(
        sm.pass('Constant', { result: { a: [1] }, resultPath: '$.c' }),
      ).end();
    });
    expect(asl.States).toEqual({
      Shape: { Type: 'Pass', Parameters: { Error: 'X', 'Cause.$': '$.why' }, ResultPath: '$.error', Next: 'Constant' },
      Constant: { Type: 'Pass', Result: { a: [1] }, ResultPath: '$.c', End: true },
    });
    expect(() => new StateMachine().pass('P', { parameters: {}, result: 1 })).toThrow(/either parameters or result/);
  });

  it('Choice: rules in order, then Default', () => {
    const asl = render((sm) => {
      const yes = sm.succeed('Yes');
      const no = sm.fail('No', { error: customError('App.No'), cause: 'not ok' });
      sm.startAt(sm.choice('Ok?', { comment: 'status check' }))
        .when(Condition.stringEquals('$.status', 'success'), yes)
        .when(Condition.isPresent('$.retry'), yes)
        .otherwise(no);
    });
    expect(asl.States['Ok?']).toEqual({
      Type: 'Choice',
      Comment: 'status check',
      Choices: [
        { Variable: '$.status', StringEquals: 'success', Next: 'Yes' },
        { Variable: '$.retry', IsPresent: true, Next: 'Yes' },
      ],
      Default: 'No',
    });
    expect(asl.States.No).toEqual({ Type: 'Fail', Error: 'App.No', Cause: 'not ok' });
    expect(asl.States.Yes).toEqual({ Type: 'Succeed' });
  });

  it('Map: inline ItemProcessor with its own graph', () => {
    const asl = render((sm) => {
      sm.startAt(
        sm.map(
          'Each',
          {
            itemsPath: '$.items',
            itemSelector: { item: jsonPath('$$.Map.Item.Value'), owner: jsonPath('$.owner') },
            maxConcurrency: 3,
            resultPath: '$.results',
          },
          (items) => {
            const first = items.pass('Inner', { parameters: { v: jsonPath('$.item') } });
            first.next(items.succeed('InnerDone'));
            return first;
          },
        ),
      ).end();
    });
    expect(asl.States.Each).toEqual({
      Type: 'Map',
      ItemsPath: '$.items',
      ItemSelector: { 'item.$': '$$.Map.Item.Value', 'owner.$': '$.owner' },
      MaxConcurrency: 3,
      ResultPath: '$.results',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Inner',
        States: {
          Inner: { Type: 'Pass', Parameters: { 'v.$': '$.item' }, Next: 'InnerDone' },
          InnerDone: { Type: 'Succeed' },
        },
      },
      End: true,
    });
  });

  it('Fail: error and cause from paths', () => {
    const asl = render((sm) => {
      sm.startAt(sm.fail('Failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' }));
    });
    expect(asl.States.Failed).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
    const sm = new StateMachine();
    expect(() => sm.fail('A', { error: customError('X'), errorPath: '$.e' })).toThrow(/either error or errorPath/);
    expect(() => sm.fail('B', { cause: 'x', causePath: '$.c' })).toThrow(/either cause or causePath/);
    expect(() => sm.fail('C', { error: 'States.ALL' })).toThrow(/matcher/);
  });

  it('Succeed with input/output paths', () => {
    const asl = render((sm) => {
      sm.startAt(sm.succeed('Done', { inputPath: '$.a', outputPath: null }));
    });
    expect(asl.States.Done).toEqual({ Type: 'Succeed', InputPath: '$.a', OutputPath: null });
  });

  it('rejects names ASL would reject', () => {
    const sm = new StateMachine();
    expect(() => sm.pass('')).toThrow(/1-80 characters/);
    expect(() => sm.pass('x'.repeat(81))).toThrow(/1-80 characters/);
  });
});

describe('chaining', () => {
  it('next() returns its target, so a flow reads in order', () => {
    const sm = new StateMachine();
    const a = sm.pass('A');
    const c = sm.succeed('C');
    const returned = sm.startAt(a).next(sm.pass('B')).next(c);
    expect(returned).toBe(c);
    expect(sm.render()).toEqual({
      StartAt: 'A',
      States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Next: 'C' }, C: { Type: 'Succeed' } },
    });
  });

  it('a state has one Next, or End, never both', () => {
    const sm = new StateMachine();
    const a = sm.pass('A');
    a.next(sm.succeed('B'));
    expect(() => a.next(sm.succeed('C'))).toThrow(/Pass 'A' already continues with 'B'/);
    expect(() => a.end()).toThrow(/cannot also be End/);
    const d = sm.pass('D').end();
    expect(() => d.next(sm.succeed('E'))).toThrow(/marked End/);
  });

  it('a Choice has one Default', () => {
    const sm = new StateMachine();
    const choice = sm.choice('C?').otherwise(sm.succeed('A'));
    expect(() => choice.otherwise(sm.succeed('B'))).toThrow(/already has Default 'A'/);
  });

  it('startAt is set once', () => {
    const sm = new StateMachine();
    sm.startAt(sm.succeed('A'));
    expect(() => sm.startAt(sm.succeed('B'))).toThrow(/already starts at 'A'/);
  });
});

describe('Retry and Catch', () => {
  const integration = lambdaInvoke({ partition: 'aws', functionArn: 'fn', payload: jsonPath('$') });

  it('render in declaration order with every field', () => {
    const asl = render((sm) => {
      const failed = sm.fail('Failed');
      const fallback = sm.pass('Fallback');
      fallback.next(failed);
      sm.startAt(sm.task('Call', integration))
        .retry({ errors: ['Lambda.ServiceException', 'Lambda.TooManyRequestsException'], intervalSeconds: 2, backoffRate: 2, maxAttempts: 3, maxDelaySeconds: 20, jitterStrategy: 'FULL' })
        .retry({ errors: ['States.ALL'], maxAttempts: 0 })
        .catch({ errors: ['States.Timeout'], next: fallback, resultPath: '$.timeout' })
        .catch({ errors: ['States.ALL'], next: failed, resultPath: null })
        .end();
    });
    expect(asl.States.Call).toMatchObject({
      Parameters: { FunctionName: 'fn', 'Payload.$': '$' },
      Retry: [
        {
          ErrorEquals: ['Lambda.ServiceException', 'Lambda.TooManyRequestsException'],
          IntervalSeconds: 2,
          BackoffRate: 2,
          MaxAttempts: 3,
          MaxDelaySeconds: 20,
          JitterStrategy: 'FULL',
        },
        { ErrorEquals: ['States.ALL'], MaxAttempts: 0 },
      ],
      Catch: [
        { ErrorEquals: ['States.Timeout'], Next: 'Fallback', ResultPath: '$.timeout' },
        { ErrorEquals: ['States.ALL'], Next: 'Failed', ResultPath: null },
      ],
      End: true,
    });
  });

  it('validates retriers where they are declared', () => {
    const task = new StateMachine().task('Call', integration);
    expect(() => task.retry({ errors: [] })).toThrow(/at least one error name/);
    expect(() => task.retry({ errors: ['States.ALL', 'States.Timeout'] })).toThrow(/States.ALL must appear alone/);
    expect(() => task.retry({ errors: ['States.Timeout', 'States.Timeout'] })).toThrow(/twice/);
    expect(() => task.retry({ errors: ['States.Timeout'], intervalSeconds: 0 })).toThrow(/intervalSeconds must be an integer >= 1/);
    expect(() => task.retry({ errors: ['States.Timeout'], maxAttempts: -1 })).toThrow(/maxAttempts/);
    expect(() => task.retry({ errors: ['States.Timeout'], backoffRate: 0.5 })).toThrow(/backoffRate must be >= 1/);
    expect(() => task.catch({ errors: ['States.ALL'], next: task, resultPath: 'error' })).toThrow(/not a JSONPath/);
  });

  it('requires States.ALL to be the last retrier / catcher', () => {
    const sm = new StateMachine();
    const done = sm.succeed('Done');
    sm.startAt(sm.task('Call', integration))
      .catch({ errors: ['States.ALL'], next: done, resultPath: '$.e' })
      .catch({ errors: ['States.Timeout'], next: done, resultPath: '$.e' })
      .next(done);
    expect(() => sm.render()).toThrow(/Task 'Call' Catch: the States.ALL entry must be the last one/);
  });
});
