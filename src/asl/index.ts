/** A small typed Amazon States Language builder (plain objects, no constructs). */
export * from './asl-types';
export * from './choice-rules';
export * from './errors';
export * from './graph';
export * from './integrations';
export * from './intrinsics';
export * from './machine';
export * from './paths';
export * from './payload';
export * from './retry';
export * from './state-base';
export * from './states';
