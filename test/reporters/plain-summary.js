// A jest reporter that closes every run with one plain line, `jest: N passed, N failed` (and
// `, N skipped` when some were), just above jest's own summary. CI reads that line to know tests ran:
// jest's "Tests: 12 passed, 12 total" is not a form it reads. A suite that failed to run counts as
// one failure. With TASKNOTE_TEST_TALLY set to a file, the counts are also appended to it as one
// JSON line, for .ci/run's closing total over every lane.
const { appendFileSync } = require('node:fs');

class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`jest: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
    const tally = process.env.TASKNOTE_TEST_TALLY;
    if (tally) appendFileSync(tally, `${JSON.stringify({ runner: 'jest', passed, failed, skipped })}\n`);
  }
}

module.exports = PlainSummaryReporter;
