/** The browser test (`npm run test:browser`): Debian's Chromium driven by playwright-core. */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/browser'],
  testPathIgnorePatterns: ['/node_modules/'],
  // The stack under test runs as a child process with its own DynamoDB Local.
  globalSetup: undefined,
  globalTeardown: undefined,
  testTimeout: 180000,
};
