// The cluster lane: every deploy path against a real control plane, with the real Pulumi engine.
// Needs what scripts/cluster/lane.sh starts, which runs it (`npm run test:cluster`); `npm test`
// never does (its files end in .ctest.ts, not .test.ts).
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };

module.exports = {
  displayName: 'cluster',
  testEnvironment: 'node',
  rootDir: '../..',
  testMatch: ['<rootDir>/test/cluster/**/*.ctest.ts'],
  transform,
  // One file, steps in order: each deploy builds on the state the one before left.
  maxWorkers: 1,
  testSequencer: '<rootDir>/test/cluster/sequencer.js',
  testTimeout: 900_000,
  // jest's summary, and one plain `jest: N passed, N failed` line that CI reads.
  reporters: ['default', '<rootDir>/test/reporters/plain-summary.js'],
};
