/**
 * A graph of states: the machine itself, or a Map's item processor. States are created through
 * a graph so it knows all of them, which is what lets rendering report unreachable states.
 */
import type { AslGraph, AslState } from './asl-types';
import type { PolicyStatement } from '../iam/policy-document';
import type { IoProps, RenderContext, State, TaskIntegration } from './state-base';
import {
  ChoiceState,
  FailState,
  type FailProps,
  MapState,
  type MapProps,
  PassState,
  type PassProps,
  SucceedState,
  TaskState,
  type TaskProps,
} from './states';

export class StateGraph {
  private readonly members: State[] = [];
  private startState?: State;

  /** @param description How errors name this graph, e.g. "Map 'DeployTools' item processor". */
  constructor(readonly description: string) {}

  task(name: string, integration: TaskIntegration, props?: TaskProps): TaskState {
    return this.add(new TaskState(this, name, integration, props));
  }

  pass(name: string, props?: PassProps): PassState {
    return this.add(new PassState(this, name, props));
  }

  choice(name: string, props?: IoProps): ChoiceState {
    return this.add(new ChoiceState(this, name, props));
  }

  /** A Map whose iteration graph is built by `build`, which returns the iteration's first state. */
  map(name: string, props: MapProps, build: (items: StateGraph) => State): MapState {
    const items = new StateGraph(`Map '${name}' item processor`);
    items.startAt(build(items));
    return this.add(new MapState(this, name, items, props));
  }

  succeed(name: string, props?: IoProps): SucceedState {
    return this.add(new SucceedState(this, name, props));
  }

  fail(name: string, props?: FailProps): FailState {
    return this.add(new FailState(this, name, props));
  }

  /** Sets StartAt and returns the state, so `graph.startAt(a).next(b)` reads in order. */
  startAt<T extends State>(state: T): T {
    if (this.startState) throw new Error(`${this.description} already starts at '${this.startState.name}'`);
    this.startState = state;
    return state;
  }

  /** @internal */
  get start(): State | undefined {
    return this.startState;
  }

  /** @internal Every state created in this graph, reachable or not. */
  get states(): readonly State[] {
    return this.members;
  }

  /**
   * Every IAM statement the graph's tasks need, Map item processors included, each once: what
   * the state machine's role is granted (aws-cdk bubbles `taskPolicies` up the same way).
   */
  policies(): PolicyStatement[] {
    const unique = new Map<string, PolicyStatement>();
    const gather = (graph: StateGraph): void => {
      for (const state of graph.states) {
        if (state instanceof TaskState) for (const statement of state.policies) unique.set(JSON.stringify(statement), statement);
        if (state instanceof MapState) gather(state.processor);
      }
    };
    gather(this);
    return [...unique.values()];
  }

  private add<T extends State>(state: T): T {
    this.members.push(state);
    return state;
  }
}

/** Names a state must not share: ASL requires unique names across the whole machine, Map sub-graphs included. */
function collectNames(graph: StateGraph, owners: Map<string, State>): void {
  for (const state of graph.states) {
    const other = owners.get(state.name);
    if (other && other !== state) {
      const where = other.graph === state.graph ? `twice in ${state.graph.description}` : `in ${other.graph.description} and ${state.graph.description}`;
      throw new Error(`duplicate state name '${state.name}' (${where}); state names must be unique across the machine`);
    }
    owners.set(state.name, state);
    if (state instanceof MapState) collectNames(state.processor, owners);
  }
}

/**
 * Depth-first from StartAt, first transition first: the main path comes out first and the
 * failure handling after it, in a stable order (small Terraform diffs). Map sub-graphs are
 * walked too, so a dangling transition anywhere is reported before anything else.
 */
function walk(graph: StateGraph, orders: Map<StateGraph, State[]>): void {
  const start = graph.start;
  if (!start) throw new Error(`${graph.description} has no start state: call startAt(state)`);
  if (start.graph !== graph) throw new Error(`${graph.description} starts at '${start.name}', which belongs to ${start.graph.description}`);
  const order: State[] = [];
  const seen = new Set<State>();
  const visit = (state: State): void => {
    seen.add(state);
    order.push(state);
    for (const target of state.transitions()) {
      if (target.graph !== graph) {
        throw new Error(
          `dangling Next: ${state} in ${graph.description} transitions to '${target.name}', which belongs to ` +
            `${target.graph.description}; states can only transition within their own graph`,
        );
      }
      if (!seen.has(target)) visit(target);
    }
  };
  visit(start);
  orders.set(graph, order);
  for (const state of order) if (state instanceof MapState) walk(state.processor, orders);
}

function checkReachable(graph: StateGraph, order: readonly State[]): void {
  const reached = new Set(order);
  const unreachable = graph.states.filter((s) => !reached.has(s));
  if (unreachable.length > 0) {
    throw new Error(
      `unreachable state(s) in ${graph.description}: ${unreachable.map((s) => `'${s.name}'`).join(', ')} ` +
        `(nothing transitions to them from '${order[0].name}')`,
    );
  }
}

/** Validates a root graph and every Map sub-graph inside it, then renders them. */
export function renderRootGraph(root: StateGraph): AslGraph {
  collectNames(root, new Map());
  const orders = new Map<StateGraph, State[]>();
  walk(root, orders);
  for (const [graph, order] of orders) checkReachable(graph, order);

  const ctx: RenderContext = {
    renderGraph(graph) {
      const order = orders.get(graph)!;
      const states: Record<string, AslState> = {};
      for (const state of order) states[state.name] = state.render(ctx);
      if (!order.some((s) => s.isTerminal())) {
        throw new Error(`${graph.description} has no terminal state (End, Succeed or Fail), so it can never finish`);
      }
      return { StartAt: order[0].name, States: states };
    },
  };
  return ctx.renderGraph(root);
}
