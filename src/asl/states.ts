/**
 * The state types: Task, Pass, Choice, Map, Succeed, Fail. Payloads and paths are validated
 * in the constructors, so a mistake throws at the line that made it.
 */
import type { AslState } from './asl-types';
import type { Condition } from './choice-rules';
import type { ErrorName } from './errors';
import type { StateGraph } from './graph';
import { type PathInput, renderPath } from './paths';
import { type JsonObject, type JsonValue, type PayloadTemplate, renderJson, renderPayload } from './payload';
import {
  type IoFields,
  type IoProps,
  NextableState,
  type RenderContext,
  RetryableState,
  State,
  type TaskIntegration,
  checkInteger,
  optional,
} from './state-base';

export interface TaskProps extends IoProps {
  readonly resultSelector?: PayloadTemplate;
  readonly resultPath?: PathInput | null;
  /** Fails the task with States.Timeout after this long (the ASL default is effectively unlimited). */
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
}

export class TaskState extends RetryableState {
  readonly type = 'Task' as const;
  private readonly body: {
    readonly Resource: string;
    readonly Parameters?: JsonObject;
    readonly ResultSelector?: JsonObject;
    readonly ResultPath?: string | null;
    readonly TimeoutSeconds?: number;
    readonly HeartbeatSeconds?: number;
  };
  private readonly io: IoFields;
  /** What the state machine's role needs for this task's call. */
  readonly policies: TaskIntegration['policies'];

  constructor(graph: StateGraph, name: string, integration: TaskIntegration, props: TaskProps = {}) {
    super(graph, name, props.comment);
    // The resource is an opaque string (often a Terraform token): only its presence is checked.
    if (typeof integration.resource !== 'string' || integration.resource === '') {
      throw new Error(`${this}: the integration has no Resource`);
    }
    checkInteger(props.timeoutSeconds, 'timeoutSeconds', `${this}`, 1);
    if (integration.waitsForCallback && props.timeoutSeconds === undefined) {
      throw new Error(`${this} waits for a task token: give it timeoutSeconds (without one it waits up to a year)`);
    }
    checkInteger(props.heartbeatSeconds, 'heartbeatSeconds', `${this}`, 1);
    if (props.timeoutSeconds !== undefined && props.heartbeatSeconds !== undefined && props.heartbeatSeconds >= props.timeoutSeconds) {
      throw new Error(`${this}: heartbeatSeconds must be smaller than timeoutSeconds`);
    }
    this.io = this.renderIo(props);
    this.policies = integration.policies;
    this.body = {
      Resource: integration.resource,
      ...optional('Parameters', integration.parameters && renderPayload(integration.parameters, `${this} Parameters`)),
      ...optional('ResultSelector', props.resultSelector && renderPayload(props.resultSelector, `${this} ResultSelector`)),
      ...this.renderResultPath(props.resultPath),
      ...optional('TimeoutSeconds', props.timeoutSeconds),
      ...optional('HeartbeatSeconds', props.heartbeatSeconds),
    };
  }

  render(): AslState {
    return {
      Type: 'Task',
      ...optional('Comment', this.comment),
      ...this.io.input,
      ...this.body,
      ...this.io.output,
      ...this.renderErrorHandling(),
      ...this.renderTransition(),
    };
  }
}

export interface PassProps extends IoProps {
  readonly parameters?: PayloadTemplate;
  /** A literal result (mutually exclusive with parameters). */
  readonly result?: JsonValue;
  readonly resultPath?: PathInput | null;
}

export class PassState extends NextableState {
  readonly type = 'Pass' as const;
  private readonly body: { Parameters?: JsonObject; Result?: JsonValue; ResultPath?: string | null };
  private readonly io: IoFields;

  constructor(graph: StateGraph, name: string, props: PassProps = {}) {
    super(graph, name, props.comment);
    if (props.parameters !== undefined && props.result !== undefined) {
      throw new Error(`${this}: use either parameters or result, not both`);
    }
    this.io = this.renderIo(props);
    this.body = {
      ...optional('Parameters', props.parameters && renderPayload(props.parameters, `${this} Parameters`)),
      ...optional('Result', props.result === undefined ? undefined : renderJson(props.result, `${this} Result`)),
      ...this.renderResultPath(props.resultPath),
    };
  }

  render(): AslState {
    return { Type: 'Pass', ...optional('Comment', this.comment), ...this.io.input, ...this.body, ...this.io.output, ...this.renderTransition() };
  }
}

export class ChoiceState extends State {
  readonly type = 'Choice' as const;
  private readonly rules: { readonly condition: Condition; readonly next: State }[] = [];
  private defaultState?: State;
  private readonly io: IoFields;

  constructor(graph: StateGraph, name: string, props: IoProps = {}) {
    super(graph, name, props.comment);
    this.io = this.renderIo(props);
  }

  /** Adds a rule; rules are evaluated in order and the first match wins. */
  when(condition: Condition, next: State): this {
    this.rules.push({ condition, next });
    return this;
  }

  /** The Default branch (required: see render). */
  otherwise(next: State): this {
    if (this.defaultState) throw new Error(`${this} already has Default '${this.defaultState.name}'`);
    this.defaultState = next;
    return this;
  }

  transitions(): readonly State[] {
    return [...this.rules.map((r) => r.next), ...(this.defaultState ? [this.defaultState] : [])];
  }

  isTerminal(): boolean {
    return false;
  }

  render(): AslState {
    if (this.rules.length === 0) throw new Error(`${this} has no rules: add one with .when(condition, state)`);
    // Without a Default, an unexpected input fails with States.NoChoiceMatched, which a
    // Choice cannot catch: in this builder every Choice says where the unexpected goes.
    if (!this.defaultState) throw new Error(`${this} has no Default: call .otherwise(state)`);
    return {
      Type: 'Choice',
      ...optional('Comment', this.comment),
      ...this.io.input,
      ...this.io.output,
      Choices: this.rules.map((r) => ({ ...r.condition.rule, Next: r.next.name })),
      Default: this.defaultState.name,
    };
  }
}

export interface MapProps extends IoProps {
  readonly itemsPath?: PathInput;
  /** Builds each iteration's input; `$$.Map.Item.Value` is the item, `$` the Map's input. */
  readonly itemSelector?: PayloadTemplate;
  /** 0 (the default) lets Step Functions run up to 40 iterations at once. */
  readonly maxConcurrency?: number;
  readonly resultSelector?: PayloadTemplate;
  readonly resultPath?: PathInput | null;
}

export class MapState extends RetryableState {
  readonly type = 'Map' as const;
  private readonly body: {
    ItemsPath?: string;
    ItemSelector?: JsonObject;
    MaxConcurrency?: number;
    ResultSelector?: JsonObject;
    ResultPath?: string | null;
  };
  private readonly io: IoFields;

  constructor(
    graph: StateGraph,
    name: string,
    /** The iteration's own graph: its states can only transition to each other. */
    readonly processor: StateGraph,
    props: MapProps = {},
  ) {
    super(graph, name, props.comment);
    checkInteger(props.maxConcurrency, 'maxConcurrency', `${this}`, 0);
    this.io = this.renderIo(props);
    this.body = {
      ...optional('ItemsPath', props.itemsPath === undefined ? undefined : renderPath(props.itemsPath, `${this} ItemsPath`)),
      ...optional('ItemSelector', props.itemSelector && renderPayload(props.itemSelector, `${this} ItemSelector`)),
      ...optional('MaxConcurrency', props.maxConcurrency),
      ...optional('ResultSelector', props.resultSelector && renderPayload(props.resultSelector, `${this} ResultSelector`)),
      ...this.renderResultPath(props.resultPath),
    };
  }

  render(ctx: RenderContext): AslState {
    return {
      Type: 'Map',
      ...optional('Comment', this.comment),
      ...this.io.input,
      ...this.body,
      ...this.io.output,
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, ...ctx.renderGraph(this.processor) },
      ...this.renderErrorHandling(),
      ...this.renderTransition(),
    };
  }
}

export class SucceedState extends State {
  readonly type = 'Succeed' as const;
  private readonly io: IoFields;

  constructor(graph: StateGraph, name: string, props: IoProps = {}) {
    super(graph, name, props.comment);
    this.io = this.renderIo(props);
  }

  transitions(): readonly State[] {
    return [];
  }

  isTerminal(): boolean {
    return true;
  }

  render(): AslState {
    return { Type: 'Succeed', ...optional('Comment', this.comment), ...this.io.input, ...this.io.output };
  }
}

export interface FailProps {
  readonly comment?: string;
  readonly error?: ErrorName;
  /** Reads the error name from the state input (must resolve to a string). */
  readonly errorPath?: PathInput;
  readonly cause?: string;
  /** Reads the cause from the state input (must resolve to a string). */
  readonly causePath?: PathInput;
}

export class FailState extends State {
  readonly type = 'Fail' as const;
  private readonly body: { Error?: string; ErrorPath?: string; Cause?: string; CausePath?: string };

  constructor(graph: StateGraph, name: string, props: FailProps = {}) {
    super(graph, name, props.comment);
    if (props.error !== undefined && props.errorPath !== undefined) throw new Error(`${this}: use either error or errorPath`);
    if (props.cause !== undefined && props.causePath !== undefined) throw new Error(`${this}: use either cause or causePath`);
    if (props.error === 'States.ALL') throw new Error(`${this}: States.ALL is a matcher, not an error a state can raise`);
    this.body = {
      ...optional('Error', props.error),
      ...optional('ErrorPath', props.errorPath === undefined ? undefined : renderPath(props.errorPath, `${this} ErrorPath`)),
      ...optional('Cause', props.cause),
      ...optional('CausePath', props.causePath === undefined ? undefined : renderPath(props.causePath, `${this} CausePath`)),
    };
  }

  transitions(): readonly State[] {
    return [];
  }

  isTerminal(): boolean {
    return true;
  }

  render(): AslState {
    return { Type: 'Fail', ...optional('Comment', this.comment), ...this.body };
  }
}
