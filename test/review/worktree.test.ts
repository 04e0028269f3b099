import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveBase, synthesizeRevision, withWorktree } from '../../review/worktree';

const ROOT = path.join(__dirname, '../..');
let repo: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: 'pipe' }).trim();

beforeEach(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'tasknote-wt-'));
  git('init', '-q', '-b', 'main');
  fs.mkdirSync(path.join(repo, 'node_modules'));
  fs.writeFileSync(path.join(repo, 'file.txt'), 'base\n');
  git('add', 'file.txt');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'base');
});

afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

test('runs in a detached worktree of the base and removes it, leaving the main worktree alone', () => {
  fs.writeFileSync(path.join(repo, 'file.txt'), 'working tree\n');
  const base = resolveBase(repo);
  expect(base.label).toBe(`merge base with main (${base.sha.slice(0, 7)})`);
  let seen = '';
  const dir = withWorktree(repo, base.sha, (d) => {
    seen = fs.readFileSync(path.join(d, 'file.txt'), 'utf8');
    return d;
  });
  expect(seen).toBe('base\n');
  expect(dir.startsWith(repo)).toBe(false);
  expect(fs.existsSync(dir)).toBe(false);
  expect(git('worktree', 'list').split('\n')).toHaveLength(1);
  expect(git('status', '--porcelain')).toBe('M file.txt');
});

test('fails when the base predates the synth command', () => {
  expect(() => synthesizeRevision(repo, resolveBase(repo, 'HEAD'), ['dev'])).toThrow(
    /^base HEAD \([0-9a-f]{7}\) predates the synth command \(it has no app\/synth.ts\); pick a newer base with --base <ref>$/,
  );
  expect(git('worktree', 'list').split('\n')).toHaveLength(1);
});

test('fails when --base is not a commit', () => {
  expect(() => resolveBase(repo, 'nope')).toThrow('--base "nope" is not a commit; give a branch, tag or commit SHA that exists');
});

describe('the diff command', () => {
  const trees = path.join(__dirname, '../fixtures/review/trees');
  const run = (...args: string[]) => spawnSync(process.execPath, ['bin/tasknote.js', 'diff', ...args], { cwd: ROOT, encoding: 'utf8' });

  test('exits 1 with --exit-code when there are changes, 0 when there are none', () => {
    const dirs = ['--base-dir', path.join(trees, 'base'), '--head-dir', path.join(trees, 'head'), '--exit-code'];
    expect(run(...dirs, '--env', 'prod').status).toBe(1);
    const dev = run(...dirs, '--env', 'dev');
    expect(dev.status).toBe(0);
    expect(dev.stdout).toContain('dev: no changes (1 object)');
  });

  test('fails with exit 2 and no stack trace on an unknown environment', () => {
    const result = run('--env', 'qa');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('error: --env: unknown environment "qa"; allowed: dev, staging, prod\n');
  });
});
