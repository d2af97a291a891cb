/**
 * What all states share: names, input/output paths, Next/End, Retry/Catch. Transitions hold
 * state objects, not names, so a typo cannot create a dangling `Next`; names are checked once,
 * when the machine renders.
 */
import type { AslCatcher, AslGraph, AslRetrier, AslState, StateType } from './asl-types';
import type { ErrorName } from './errors';
import type { StateGraph } from './graph';
import { type PathInput, renderNullablePath } from './paths';
import type { PayloadTemplate } from './payload';
import type { PolicyStatement } from '../iam/policy-document';
import { type CatchProps, type RetryProps, checkErrorList, checkWildcardLast, renderRetrier } from './retry';

/**
 * What a Task calls: a Resource ARN plus its Parameters (see integrations.ts for helpers), and the
 * IAM statements the state machine's role needs to make that call. The graph gathers them, so
 * the role is granted what the definition does and nothing listed by hand.
 */
export interface TaskIntegration {
  readonly resource: string;
  readonly parameters?: PayloadTemplate;
  readonly policies: readonly PolicyStatement[];
  /** A callback (`.waitForTaskToken`) task: it ends when its token is sent back, so it needs a timeout. */
  readonly waitsForCallback?: true;
}

/** @internal Lets a Map render its sub-graph with the machine-wide checks. */
export interface RenderContext {
  renderGraph(graph: StateGraph): AslGraph;
}

/** Rendered InputPath / OutputPath, kept apart so they frame the other fields in the output. */
export interface IoFields {
  readonly input: { InputPath?: string | null };
  readonly output: { OutputPath?: string | null };
}

export interface IoProps {
  readonly comment?: string;
  readonly inputPath?: PathInput | null;
  readonly outputPath?: PathInput | null;
}

/** Step Functions rejects longer state names. */
const MAX_STATE_NAME_LENGTH = 80;

export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function checkInteger(value: number | undefined, field: string, where: string, min: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) {
    throw new Error(`${where}: ${field} must be an integer >= ${min} (got ${value})`);
  }
}

export abstract class State {
  abstract readonly type: StateType;

  protected constructor(
    /** The graph (machine or Map item processor) this state belongs to. */
    readonly graph: StateGraph,
    readonly name: string,
    readonly comment?: string,
  ) {
    if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_STATE_NAME_LENGTH) {
      throw new Error(`state name '${String(name)}' must be 1-${MAX_STATE_NAME_LENGTH} characters`);
    }
  }

  /** Every state this one can move to (Next, Choices, Default, Catch), in a stable order. */
  abstract transitions(): readonly State[];

  /** Whether an execution can stop here (End, Succeed, Fail). */
  abstract isTerminal(): boolean;

  /** @internal Throws if the state is not completely wired. */
  abstract render(ctx: RenderContext): AslState;

  toString(): string {
    return `${this.type} '${this.name}'`;
  }

  protected renderIo(props: IoProps): IoFields {
    return {
      input: optional('InputPath', props.inputPath === undefined ? undefined : renderNullablePath(props.inputPath, `${this} InputPath`)),
      output: optional('OutputPath', props.outputPath === undefined ? undefined : renderNullablePath(props.outputPath, `${this} OutputPath`)),
    };
  }

  protected renderResultPath(path: PathInput | null | undefined): { ResultPath?: string | null } {
    if (path === undefined) return {};
    // ResultPath writes into the state input; it cannot point at the read-only context object.
    return { ResultPath: renderNullablePath(path, `${this} ResultPath`, { allowContext: false }) };
  }
}

/** States that continue with `Next` or stop with `End` (Task, Pass, Map). */
export abstract class NextableState extends State {
  private nextState?: State;
  private ended = false;

  /** Sets Next and returns the target, so flows chain: `a.next(b).next(c)`. */
  next<T extends State>(state: T): T {
    if (this.ended) throw new Error(`${this} is marked End; it cannot also have a Next`);
    if (this.nextState) throw new Error(`${this} already continues with '${this.nextState.name}'`);
    this.nextState = state;
    return state;
  }

  /** Marks the state as the end of its graph. */
  end(): this {
    if (this.nextState) throw new Error(`${this} already continues with '${this.nextState.name}'; it cannot also be End`);
    this.ended = true;
    return this;
  }

  transitions(): readonly State[] {
    return this.nextState ? [this.nextState] : [];
  }

  isTerminal(): boolean {
    return this.ended;
  }

  protected renderTransition(): { Next: string } | { End: true } {
    if (this.nextState) return { Next: this.nextState.name };
    if (this.ended) return { End: true };
    // Forgetting to wire a state is the usual way a flow silently ends early: make it explicit.
    throw new Error(`${this} has neither Next nor End: call .next(state) or .end()`);
  }
}

interface Catcher {
  readonly errors: readonly ErrorName[];
  readonly next: State;
  readonly resultPath: string | null;
}

/** States with Retry and Catch (Task, Map). */
export abstract class RetryableState extends NextableState {
  private readonly retriers: { readonly errors: readonly ErrorName[]; readonly asl: AslRetrier }[] = [];
  private readonly catchers: Catcher[] = [];

  /** Adds a retrier; retriers are tried in the order they are added. */
  retry(props: RetryProps): this {
    this.retriers.push({ errors: props.errors, asl: renderRetrier(props, `${this} Retry`) });
    return this;
  }

  /** Adds a catcher; catchers are tried in the order they are added. */
  catch(props: CatchProps): this {
    checkErrorList(props.errors, `${this} Catch`);
    const resultPath = renderNullablePath(props.resultPath, `${this} Catch ResultPath`, { allowContext: false });
    this.catchers.push({ errors: props.errors, next: props.next, resultPath });
    return this;
  }

  transitions(): readonly State[] {
    return [...super.transitions(), ...this.catchers.map((c) => c.next)];
  }

  protected renderErrorHandling(): { Retry?: AslRetrier[]; Catch?: AslCatcher[] } {
    checkWildcardLast(
      this.retriers.map((r) => r.errors),
      `${this} Retry`,
    );
    checkWildcardLast(
      this.catchers.map((c) => c.errors),
      `${this} Catch`,
    );
    return {
      ...optional('Retry', this.retriers.length ? this.retriers.map((r) => r.asl) : undefined),
      ...optional(
        'Catch',
        this.catchers.length
          ? this.catchers.map((c) => ({ ErrorEquals: [...c.errors], Next: c.next.name, ResultPath: c.resultPath }))
          : undefined,
      ),
    };
  }
}

