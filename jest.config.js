// Two projects: the platform (constructs, environments, app, check, deploy, review)
// and the services, whose tests start real PostgreSQL, Redis and SMTP servers.
// Type-checking happens once in `npm run typecheck`; ts-jest only transpiles (tsconfig's
// isolatedModules puts it in transpile-only mode).
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };

module.exports = {
  // Service tests start real servers and processes; give them room on a loaded 2-core machine.
  testTimeout: 30_000,
  // jest's summary, and one plain `jest: N passed, N failed` line that CI reads.
  reporters: ['default', '<rootDir>/test/reporters/plain-summary.js'],
  projects: [
    {
      displayName: 'platform',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      transform,
    },
    '<rootDir>/services',
  ],
};
