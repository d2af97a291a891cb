/** The root graph: renders the whole definition (Comment, StartAt, TimeoutSeconds, States). */
import type { AslStateMachine } from './asl-types';
import { StateGraph, renderRootGraph } from './graph';

export interface StateMachineProps {
  readonly comment?: string;
  /** Whole-execution timeout; past it the execution ends TIMED_OUT (no Catch runs). */
  readonly timeoutSeconds?: number;
}

export class StateMachine extends StateGraph {
  constructor(private readonly props: StateMachineProps = {}) {
    super('the state machine');
    const t = props.timeoutSeconds;
    if (t !== undefined && (!Number.isInteger(t) || t < 1)) throw new Error(`timeoutSeconds must be an integer >= 1 (got ${t})`);
  }

  /** Validates the graph and returns the ASL definition as a plain object. */
  render(): AslStateMachine {
    const { StartAt, States } = renderRootGraph(this);
    return {
      ...(this.props.comment !== undefined && { Comment: this.props.comment }),
      StartAt,
      ...(this.props.timeoutSeconds !== undefined && { TimeoutSeconds: this.props.timeoutSeconds }),
      States,
    };
  }

  /** So `JSON.stringify(machine)` yields the definition. */
  toJSON(): AslStateMachine {
    return this.render();
  }
}
