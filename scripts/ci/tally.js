// One test run's counts as CI reads them: the plain line `<runner>: N passed, N failed` (and
// `, N skipped` when some were). With TASKNOTE_TEST_TALLY set to a file (.ci/run sets it), the
// counts are also appended to it as one JSON line, for .ci/run's closing total (scripts/ci/total.js).
// Written by every jest run (test/reporters/plain-summary.js) and by the fuzz lane
// (scripts/fuzz/fuzz.ts).
'use strict';
const { appendFileSync, readFileSync } = require('node:fs');

/** `<runner>: N passed, N failed[, N skipped]`. */
function plainLine(runner, { passed, failed, skipped }) {
  return `${runner}: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

/** Prints the run's plain line, and appends its counts to the tally when one is kept. */
function reportRun(runner, counts) {
  process.stdout.write(`${plainLine(runner, counts)}\n`);
  const tally = process.env.TASKNOTE_TEST_TALLY;
  if (tally)
    appendFileSync(tally, `${JSON.stringify({ runner, passed: counts.passed, failed: counts.failed, skipped: counts.skipped })}\n`);
}

/** The runs appended to a tally file, in order. */
function readTally(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

module.exports = { plainLine, reportRun, readTally };
