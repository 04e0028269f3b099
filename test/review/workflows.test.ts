import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { readTally } from '../../scripts/ci/tally';

const ROOT = path.join(__dirname, '../..');
const WORKFLOWS = path.join(ROOT, '.github/workflows');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');

function validate(dir: string): Record<string, string[]> {
  const out = execFileSync(process.execPath, [TSX, path.join(__dirname, 'validate-workflows.mts'), dir], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out) as Record<string, string[]>;
}

const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith('.yml'));

test('every workflow is valid against the GitHub workflow schema', () => {
  const result = validate(WORKFLOWS);
  expect(Object.keys(result).sort()).toEqual(['drift.yml', 'main.yml', 'promote.yml', 'pull-request.yml']);
  expect(result).toEqual(Object.fromEntries(Object.keys(result).map((f) => [f, []])));
});

test('the validator rejects an invalid workflow', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasknote-wf-'));
  try {
    fs.writeFileSync(path.join(dir, 'bad.yml'), 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    stepz: []\n');
    expect(validate(dir)['bad.yml']).toEqual(expect.arrayContaining([expect.stringContaining("Unexpected value 'stepz'")]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.each(files)('%s pins every action by commit SHA with its version as a comment', (file) => {
  const lines = fs.readFileSync(path.join(WORKFLOWS, file), 'utf8').split('\n');
  const uses = lines.filter((l) => /^\s*(- )?uses:/.test(l));
  expect(uses.length).toBeGreaterThan(0);
  for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
});

test('the promotion path is covered: PR review, build and staging, promote to prod, nightly drift', () => {
  const wf = Object.fromEntries(files.map((f) => [f, parse(fs.readFileSync(path.join(WORKFLOWS, f), 'utf8'))]));
  expect(Object.keys(wf['pull-request.yml'].on)).toEqual(['pull_request']);
  expect(wf['main.yml'].jobs['record-staging'].steps.map((s: { run?: string }) => s.run ?? '').join('\n')).toContain(
    'promote --from build --to staging',
  );
  expect(wf['promote.yml'].jobs['deploy-prod'].environment).toBe('production');
  expect(wf['drift.yml'].jobs.preview.steps.at(-1).run).toContain(
    'npm run preview -- --env "${{ matrix.stack }}" --refresh --expect-no-changes',
  );
});

test("CI's steps are written once: the workflows' test jobs and .ci/run call the same npm scripts", () => {
  const wf = (f: string) => parse(fs.readFileSync(path.join(WORKFLOWS, f), 'utf8'));
  const runs = (job: { steps: { run?: string }[] }) => job.steps.filter((s) => s.run !== undefined).map((s) => s.run);
  const verify = ['npm ci', 'npm test -- --ci', 'npm run synth', 'npm run check'];
  expect(runs(wf('main.yml').jobs.test)).toEqual(verify);
  expect(runs(wf('pull-request.yml').jobs.test ?? Object.values(wf('pull-request.yml').jobs)[0])).toEqual(expect.arrayContaining(verify));
  const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
  // .ci/run calls README's test command exactly as README states it, then synth and check as a user would.
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const testCommand = /Set up and run the tests[\s\S]*?```sh\n(.+)\n```/.exec(readme)?.[1];
  expect(testCommand).toBe('npm ci && npm test');
  expect(ci.split('\n')).toEqual(expect.arrayContaining([testCommand, 'npm run synth', 'npm run check']));
  for (const file of files) expect(fs.readFileSync(path.join(WORKFLOWS, file), 'utf8')).not.toMatch(/npx jest|tsc -p/);
});

describe("CI's closing line: the plain 'N passed, N failed' that CI reads to know tests ran", () => {
  const PLAIN = /^\w+: \d+ passed, \d+ failed(, \d+ skipped)?$/;
  const Reporter = require('../reporters/plain-summary.js') as new () => { onRunComplete(c: unknown, r: object): void };

  function report(results: object, tally?: string): string {
    const written: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (written.push(String(s)), true));
    const before = process.env.TASKNOTE_TEST_TALLY;
    try {
      if (tally) process.env.TASKNOTE_TEST_TALLY = tally;
      else delete process.env.TASKNOTE_TEST_TALLY;
      new Reporter().onRunComplete(new Set(), results);
    } finally {
      write.mockRestore();
      if (before === undefined) delete process.env.TASKNOTE_TEST_TALLY;
      else process.env.TASKNOTE_TEST_TALLY = before;
    }
    return written.join('');
  }
  const results = (passed: number, failed: number, pending: number, brokenSuites: number) => ({
    numPassedTests: passed,
    numFailedTests: failed,
    numPendingTests: pending,
    numTodoTests: 0,
    numRuntimeErrorTestSuites: brokenSuites,
  });
  const total = (tally: string) =>
    spawnSync(process.execPath, [path.join(ROOT, 'scripts/ci/total.js')], {
      env: { ...process.env, TASKNOTE_TEST_TALLY: tally },
      encoding: 'utf8',
    });

  test('every jest config closes its run with the reporter', () => {
    for (const config of ['jest.config.js', 'test/cluster/jest.config.js', 'test/images/jest.config.js']) {
      expect(require(path.join(ROOT, config)).reporters).toEqual(['default', '<rootDir>/test/reporters/plain-summary.js']);
    }
  });

  test('the reporter prints the counts in that form, a suite that could not run as a failure, and tallies them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasknote-tally-'));
    try {
      const tally = path.join(dir, 'tally');
      const green = report(results(12, 0, 0, 0));
      expect(green).toBe('jest: 12 passed, 0 failed\n');
      expect(green.trim()).toMatch(PLAIN);
      const red = report(results(10, 1, 2, 1), tally);
      expect(red).toBe('jest: 10 passed, 2 failed, 2 skipped\n');
      expect(red.trim()).toMatch(PLAIN);
      // Only the run that had a tally to write to is in it, with the broken suite as a failure.
      expect(readTally(tally)).toEqual([{ runner: 'jest', passed: 10, failed: 2, skipped: 2 }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('.ci/run keeps the tally and closes with its total, which fails on a failure or on no test at all', () => {
    const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8').trim().split('\n');
    expect(ci).toContain('export TASKNOTE_TEST_TALLY');
    expect(ci.at(-1)).toBe('node scripts/ci/total.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasknote-tally-'));
    try {
      const tally = path.join(dir, 'tally');
      fs.writeFileSync(
        tally,
        '{"runner":"jest","passed":1559,"failed":0,"skipped":0}\n{"runner":"fuzz","passed":1,"failed":0,"skipped":0}\n',
      );
      const green = total(tally);
      expect(green.status).toBe(0);
      expect(green.stdout.trim().split('\n').at(-1)).toBe('ci: 1560 passed, 0 failed');
      fs.appendFileSync(tally, '{"runner":"jest","passed":126,"failed":1,"skipped":0}\n');
      const red = total(tally);
      expect(red.status).toBe(1);
      expect(red.stdout.trim().split('\n').at(-1)).toBe('ci: 1686 passed, 1 failed');
      fs.writeFileSync(tally, '');
      const empty = total(tally);
      expect(empty.status).toBe(1);
      expect(empty.stderr).toContain('no test run reported a passing test');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
