import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';

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
  expect(wf['drift.yml'].jobs.preview.steps.at(-1).run).toContain('npm run preview -- --env "${{ matrix.stack }}" --refresh --expect-no-changes');
});

test("CI's steps are written once: the workflows' test jobs and .ci/run call the same npm scripts", () => {
  const wf = (f: string) => parse(fs.readFileSync(path.join(WORKFLOWS, f), 'utf8'));
  const runs = (job: { steps: { run?: string }[] }) => job.steps.filter((s) => s.run !== undefined).map((s) => s.run);
  const verify = ['npm ci', 'npm test -- --ci', 'npm run synth', 'npm run check'];
  expect(runs(wf('main.yml').jobs.test)).toEqual(verify);
  expect(runs(wf('pull-request.yml').jobs.test ?? Object.values(wf('pull-request.yml').jobs)[0])).toEqual(expect.arrayContaining(verify));
  const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
  // The commands its lines run, a line of `a && b` (README's `npm ci && npm test`) giving both.
  const commands = ci
    .split('\n')
    .filter((line) => line.startsWith('npm '))
    .flatMap((line) => line.split(' && '));
  for (const command of ['npm ci', 'npm test', 'npm run synth', 'npm run check'])
    expect(commands.filter((c) => c === command || c.startsWith(`${command} `))).not.toEqual([]);
  for (const file of files) expect(fs.readFileSync(path.join(WORKFLOWS, file), 'utf8')).not.toMatch(/npx jest|tsc -p/);
});
