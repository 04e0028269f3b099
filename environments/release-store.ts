// Where release records live (environments/releases/<env>.json), and the one loader every command
// uses to read them, from the working tree or from git history, and to write them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentName } from '../core/environment-names';
import { git } from '../core/git';
import { REPO_ROOT } from '../core/repo-root';
import { UserError } from '../core/user-error';
import { formatReleaseRecord, parseReleaseRecord, releaseRecordSchema, type ReleaseRecord } from './release-record';

export function releaseRecordGitPath(env: EnvironmentName): string {
  return `environments/releases/${env}.json`;
}

export function releaseRecordPath(env: EnvironmentName, root: string = REPO_ROOT): string {
  return path.join(root, releaseRecordGitPath(env));
}

export interface LoadReleaseOptions {
  /** A git revision to read the record at (`git show <ref>:environments/releases/<env>.json`); default: the working tree. */
  readonly ref?: string;
  /** Repository root. @default the root of this checkout */
  readonly root?: string;
}

function gitShow(root: string, ref: string, file: string): string {
  try {
    git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new UserError(`--ref ${JSON.stringify(ref)} is not a commit in ${root}; give a commit SHA, tag or branch that exists`);
  }
  try {
    return git(root, ['show', `${ref}:${file}`]);
  } catch {
    throw new UserError(`${file} does not exist at ${ref}; pick a commit that has a release record for it`);
  }
}

/**
 * Loads and validates an environment's release record, from the working tree or from git history.
 * The record must name the environment it belongs to.
 */
export function loadReleaseRecord(env: EnvironmentName, options: LoadReleaseOptions = {}): ReleaseRecord {
  const root = options.root ?? REPO_ROOT;
  const gitPath = releaseRecordGitPath(env);
  let text: string;
  let source: string;
  if (options.ref !== undefined) {
    text = gitShow(root, options.ref, gitPath);
    source = `${gitPath} at ${options.ref}`;
  } else {
    const file = releaseRecordPath(env, root);
    if (!fs.existsSync(file)) {
      throw new UserError(`${gitPath} does not exist: environment '${env}' has no release record yet`);
    }
    text = fs.readFileSync(file, 'utf8');
    source = gitPath;
  }
  const record = parseReleaseRecord(text, source);
  if (record.environment !== env) {
    throw new UserError(`${source}: environment: must be '${env}' for this file (received "${record.environment}")`);
  }
  return record;
}

/** Whether the working tree has a record for the environment (dev usually has none: it builds from the tree). */
export function hasReleaseRecord(env: EnvironmentName, root: string = REPO_ROOT): boolean {
  return fs.existsSync(releaseRecordPath(env, root));
}

/**
 * Validates and writes a record atomically (a temp file in the same directory, then a rename),
 * so that a failure never leaves a half-written record behind.
 */
export function writeReleaseRecord(record: ReleaseRecord, root: string = REPO_ROOT): string {
  const text = formatReleaseRecord(releaseRecordSchema.parse(record));
  const file = releaseRecordPath(record.environment, root);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(tmp, text, { flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  return file;
}

