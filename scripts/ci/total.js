// .ci/run's closing line: the total of every test run's counts in TASKNOTE_TEST_TALLY (one JSON
// line per jest run, from test/reporters/plain-summary.js, and per fuzz run, from
// scripts/fuzz/fuzz.ts), as the plain `ci: N passed, N failed` line. Exits 1 when a run failed or
// when nothing reported a passing test: a CI run that tested nothing is not green.
const { readFileSync } = require('node:fs');

const file = process.env.TASKNOTE_TEST_TALLY;
if (!file) {
  console.error('ci: TASKNOTE_TEST_TALLY is not set; .ci/run sets it for every step');
  process.exit(2);
}
const runs = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l));
const sum = (key) => runs.reduce((n, r) => n + r[key], 0);
const [passed, failed, skipped] = [sum('passed'), sum('failed'), sum('skipped')];
for (const r of runs) console.log(`  ${r.runner.padEnd(5)} ${String(r.passed).padStart(5)} passed, ${r.failed} failed`);
console.log(`ci: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
if (passed === 0) console.error('ci: no test run reported a passing test');
process.exit(failed === 0 && passed > 0 ? 0 : 1);
