/** The shapes of rendered Amazon States Language (JSONPath query language). */
import type { JsonObject, JsonValue } from './payload';

export type StateType = 'Task' | 'Pass' | 'Choice' | 'Map' | 'Succeed' | 'Fail';

export interface AslRetrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

export interface AslCatcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath: string | null;
}

export type ComparisonOperator =
  | 'StringEquals' | 'StringEqualsPath' | 'StringLessThan' | 'StringGreaterThan' | 'StringMatches'
  | 'NumericEquals' | 'NumericEqualsPath' | 'NumericLessThan' | 'NumericLessThanEquals'
  | 'NumericGreaterThan' | 'NumericGreaterThanEquals'
  | 'BooleanEquals'
  | 'IsPresent' | 'IsNull' | 'IsString' | 'IsNumeric' | 'IsBoolean';

export type AslDataTest = { readonly Variable: string } & { readonly [K in ComparisonOperator]?: string | number | boolean };
export type AslCondition =
  | AslDataTest
  | { readonly And: readonly AslCondition[] }
  | { readonly Or: readonly AslCondition[] }
  | { readonly Not: AslCondition };
export type AslChoiceRule = AslCondition & { readonly Next: string };

interface AslBase {
  readonly Type: StateType;
  readonly Comment?: string;
}
interface AslIo {
  readonly InputPath?: string | null;
  readonly OutputPath?: string | null;
}
interface AslTransition {
  readonly Next?: string;
  readonly End?: true;
}

export interface AslTaskState extends AslBase, AslIo, AslTransition {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly Parameters?: JsonObject;
  readonly ResultSelector?: JsonObject;
  readonly ResultPath?: string | null;
  readonly TimeoutSeconds?: number;
  readonly HeartbeatSeconds?: number;
  readonly Retry?: readonly AslRetrier[];
  readonly Catch?: readonly AslCatcher[];
}

export interface AslPassState extends AslBase, AslIo, AslTransition {
  readonly Type: 'Pass';
  readonly Parameters?: JsonObject;
  readonly Result?: JsonValue;
  readonly ResultPath?: string | null;
}

export interface AslChoiceState extends AslBase, AslIo {
  readonly Type: 'Choice';
  readonly Choices: readonly AslChoiceRule[];
  readonly Default: string;
}

export interface AslItemProcessor extends AslGraph {
  readonly ProcessorConfig: { readonly Mode: 'INLINE' };
}

export interface AslMapState extends AslBase, AslIo, AslTransition {
  readonly Type: 'Map';
  readonly ItemProcessor: AslItemProcessor;
  readonly ItemsPath?: string;
  readonly ItemSelector?: JsonObject;
  readonly MaxConcurrency?: number;
  readonly ResultSelector?: JsonObject;
  readonly ResultPath?: string | null;
  readonly Retry?: readonly AslRetrier[];
  readonly Catch?: readonly AslCatcher[];
}

export interface AslSucceedState extends AslBase, AslIo {
  readonly Type: 'Succeed';
}

export interface AslFailState extends AslBase {
  readonly Type: 'Fail';
  readonly Error?: string;
  readonly ErrorPath?: string;
  readonly Cause?: string;
  readonly CausePath?: string;
}

export type AslState = AslTaskState | AslPassState | AslChoiceState | AslMapState | AslSucceedState | AslFailState;

export interface AslGraph {
  readonly StartAt: string;
  readonly States: { readonly [name: string]: AslState };
}

export interface AslStateMachine extends AslGraph {
  readonly Comment?: string;
  readonly TimeoutSeconds?: number;
}
