// A jest reporter that closes every run with the plain line CI reads, `jest: N passed, N failed`
// (scripts/ci/tally.js), just above jest's own summary: jest's "Tests: 12 passed, 12 total" is not
// a form CI reads. A suite that failed to run counts as one failure.
'use strict';
const { reportRun } = require('../../scripts/ci/tally.js');

class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    reportRun('jest', {
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    });
  }
}

module.exports = PlainSummaryReporter;
