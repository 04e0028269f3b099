// Service tests: real PostgreSQL, Redis and SMTP (see services/test-support).
const transform = { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] };

module.exports = {
  displayName: 'services',
  testEnvironment: 'node',
  rootDir: '.',
  testMatch: ['<rootDir>/*/test/**/*.test.ts'],
  transform,
};
