/** Jest on the pinned Node 24; sources go through esbuild (see jest.transform.js). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.[cm]?[tj]s$': '<rootDir>/jest.transform.js' },
  transformIgnorePatterns: ['/node_modules/(?!(aws-local-stepfunctions|@electric-sql)/)'],
  setupFilesAfterEnv: ['<rootDir>/__tests__/helpers/stop-esbuild.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
};
