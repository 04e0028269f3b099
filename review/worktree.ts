// Synthesizes another revision's manifests with that revision's own code, in a temporary git worktree.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { git, tryGit } from '../core/git';
import { UserError } from '../core/user-error';
import { loadManifestDir } from './objects';
import { KubeObject } from '../core/kube-object';

export interface ResolvedBase {
  readonly sha: string;
  /** For headings: `main (1a2b3c4)` or `merge base with main (1a2b3c4)`. */
  readonly label: string;
}

/** Resolves `--base`; without it, the merge base of HEAD with `main` (or `origin/main` in a CI checkout). */
export function resolveBase(root: string, ref?: string): ResolvedBase {
  if (ref !== undefined) {
    const sha = tryGit(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    if (!sha) throw new UserError(`--base ${JSON.stringify(ref)} is not a commit; give a branch, tag or commit SHA that exists`, 2);
    return { sha, label: `${ref} (${sha.slice(0, 7)})` };
  }
  for (const main of ['main', 'origin/main']) {
    if (!tryGit(root, ['rev-parse', '--verify', '--quiet', `${main}^{commit}`])) continue;
    const sha = tryGit(root, ['merge-base', 'HEAD', main]);
    if (sha) return { sha, label: `merge base with ${main} (${sha.slice(0, 7)})` };
  }
  throw new UserError('no branch main or origin/main to take the merge base with; pass --base <ref>', 2);
}

/**
 * Runs `fn` in a detached worktree of `sha` made in a temporary directory outside the repository, and always
 * removes it afterwards. The main worktree's index and HEAD are never touched.
 */
export function withWorktree<T>(root: string, sha: string, fn: (dir: string) => T): T {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tasknote-base-'));
  const dir = path.join(tmp, 'tree');
  git(root, ['worktree', 'add', '--detach', '--quiet', dir, sha]);
  try {
    // The base has no node_modules of its own; the working tree's serve as long as the base's lockfile matches closely.
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    return fn(dir);
  } finally {
    tryGit(root, ['worktree', 'remove', '--force', dir]);
    tryGit(root, ['worktree', 'prune']);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The last lines of a subprocess's output: enough to see why it failed, not a wall of text. */
function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Synthesizes a checkout into a temporary directory with its own `synth --out` command and reads the result.
 * Environments the checkout does not produce come back empty.
 */
export function synthesizeCheckout(dir: string, label: string, envs: readonly string[]): Map<string, KubeObject[]> {
  if (!fs.existsSync(path.join(dir, 'bin/tasknote.js')) || !fs.existsSync(path.join(dir, 'app/synth.ts'))) {
    throw new UserError(`${label} predates the synth command (it has no app/synth.ts); pick a newer base with --base <ref>`);
  }
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tasknote-synth-'));
  try {
    const run = spawnSync(process.execPath, ['bin/tasknote.js', 'synth', '--out', out], { cwd: dir, encoding: 'utf8' });
    if (run.status !== 0) {
      throw new UserError(`synthesizing ${label} failed (exit ${run.status ?? run.signal}):\n${tail(`${run.stdout}${run.stderr}`)}`);
    }
    const present = envs.filter((e) => fs.existsSync(path.join(out, e)));
    const loaded = loadManifestDir(out, present);
    return new Map(envs.map((e) => [e, loaded.get(e) ?? []]));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** Synthesizes revision `sha` of the repository at `root` with that revision's own code. */
export function synthesizeRevision(root: string, base: ResolvedBase, envs: readonly string[]): Map<string, KubeObject[]> {
  return withWorktree(root, base.sha, (dir) => synthesizeCheckout(dir, `base ${base.label}`, envs));
}
