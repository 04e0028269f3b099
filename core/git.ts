// The one way this repository runs git: synchronously, in a given directory, output captured.
import { execFileSync } from 'node:child_process';

/** Runs `git <args>` in `cwd` and returns its standard output without trailing whitespace; throws on a non-zero exit. */
export function git(cwd: string, args: readonly string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd();
}

/** `git` that returns undefined instead of throwing. */
export function tryGit(cwd: string, args: readonly string[]): string | undefined {
  try {
    return git(cwd, args);
  } catch {
    return undefined;
  }
}
