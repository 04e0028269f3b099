// The image contract test: runs the built images under the dev manifests.
// Needs the engine and images of scripts/containers/lane.sh, which runs it;
// `npm test` never does (its files end in .itest.ts, not .test.ts).
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };

module.exports = {
  displayName: 'images',
  testEnvironment: 'node',
  rootDir: '../..',
  testMatch: ['<rootDir>/test/images/**/*.itest.ts'],
  // The same real PostgreSQL and Redis as the service tests.
  globalSetup: '<rootDir>/services/test-support/global-setup.ts',
  globalTeardown: '<rootDir>/services/test-support/global-teardown.ts',
  transform,
  testTimeout: 180_000,
  // jest's summary, and one plain `jest: N passed, N failed` line that CI reads.
  reporters: ['default', '<rootDir>/test/reporters/plain-summary.js'],
};
