/** Jest: SWC transform (fast; type-checking is `npm run lint`), DynamoDB Local started once per run. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  // nanoid is ESM-only: let SWC turn it into CommonJS for Jest's module system.
  transformIgnorePatterns: ['/node_modules/(?!(nanoid)/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/env.ts'],
  testTimeout: 120000,
};
