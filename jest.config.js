/** Jest on the pinned Node 24; sources go through esbuild (see jest.transform.js). */
module.exports = {
  // Node, plus one DynamoDB Local per worker (fetched once by the global setup, which also bundles the Lambdas once).
  testEnvironment: '<rootDir>/__tests__/helpers/dynamodb-local/environment.ts',
  globalSetup: '<rootDir>/__tests__/helpers/global-setup.ts',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.[cm]?[tj]s$': '<rootDir>/jest.transform.js' },
  transformIgnorePatterns: ['/node_modules/(?!(aws-local-stepfunctions|@electric-sql)/)'],
  setupFilesAfterEnv: ['<rootDir>/__tests__/helpers/stop-esbuild.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
};
