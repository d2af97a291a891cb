/** Every FABLE Lambda, and every tool it deploys, runs on this runtime and architecture (older Node.js runtimes can no longer be created). */
export const LAMBDA_RUNTIME = 'nodejs24.x';
export const LAMBDA_ARCHITECTURE = 'arm64';
