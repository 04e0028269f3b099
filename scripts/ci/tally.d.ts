// Types of scripts/ci/tally.js (plain CommonJS: jest loads its reporters and .ci/run runs
// scripts/ci/total.js without a TypeScript transform).
export interface RunCounts {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}
export interface TalliedRun extends RunCounts {
  readonly runner: string;
}
export function plainLine(runner: string, counts: RunCounts): string;
export function reportRun(runner: string, counts: RunCounts): void;
export function readTally(file: string): TalliedRun[];
