/** The shared contract: the only module `src/` and `lambdas/` both import. */
export * from './env';
export * from './bindings';
export * from './tables';
export * from './identity';
export * from './connect-auth';
export * from './caller';
export * from './responses';
export * from './protocol';
export * from './events';
export * from './memory';
export * from './tools';
export * from './fields';
export * from './functions';
export * from './metrics';
export * from './audit';
export * from './data-rights';
export * from './quotas';
