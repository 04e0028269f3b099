// Service tests: real PostgreSQL, Redis and SMTP (see services/test-support).
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };

module.exports = {
  displayName: 'services',
  testEnvironment: 'node',
  rootDir: '.',
  testMatch: ['<rootDir>/*/test/**/*.test.ts'],
  transform,
  globalSetup: '<rootDir>/test-support/global-setup.ts',
  globalTeardown: '<rootDir>/test-support/global-teardown.ts',
};
