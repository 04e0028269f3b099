// Two projects: the platform (constructs, environments, app, check, deploy, review)
// and the services, whose tests start real PostgreSQL, Redis and SMTP servers.
// Type-checking happens once in `npm run typecheck`; ts-jest only transpiles.
const transform = { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] };

module.exports = {
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
