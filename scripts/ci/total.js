// .ci/run's closing line: the total of every test run's counts in TASKNOTE_TEST_TALLY, as the
// plain `ci: N passed, N failed` line (scripts/ci/tally.js). Exits 1 when a run failed or when
// nothing reported a passing test: a CI run that tested nothing is not green.
'use strict';
const { plainLine, readTally } = require('./tally.js');

const file = process.env.TASKNOTE_TEST_TALLY;
if (!file) {
  console.error('ci: TASKNOTE_TEST_TALLY is not set; .ci/run sets it for every step');
  process.exit(2);
}
const runs = readTally(file);
const sum = (key) => runs.reduce((n, r) => n + r[key], 0);
const total = { passed: sum('passed'), failed: sum('failed'), skipped: sum('skipped') };
for (const r of runs) console.log(`  ${r.runner.padEnd(5)} ${String(r.passed).padStart(5)} passed, ${r.failed} failed`);
console.log(plainLine('ci', total));
if (total.passed === 0) console.error('ci: no test run reported a passing test');
process.exit(total.failed === 0 && total.passed > 0 ? 0 : 1);
