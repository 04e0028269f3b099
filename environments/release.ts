// Release records: the digest-pinned images an environment runs, and where they came from.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from '../core/repo-root';
import { UserError } from '../core/user-error';
import { ENVIRONMENT_NAMES, EnvironmentName } from '../core/environment-names';

/** The services whose images a release record must pin (one image each). */
export const RELEASED_SERVICES = ['api', 'worker'] as const;
export type ReleasedService = (typeof RELEASED_SERVICES)[number];

const DIGEST_REF = /^[a-z0-9][a-z0-9._\-/:]*@sha256:[a-f0-9]{64}$/;

export const releaseRecordSchema = z
  .object({
    environment: z.enum(ENVIRONMENT_NAMES),
    /** The git commit the images were built from. */
    sourceCommit: z.string().regex(/^[0-9a-f]{40}$/, 'must be a full 40-character git commit SHA'),
    /** The environment this record was promoted from; `build` for a fresh build. */
    promotedFrom: z.union([z.enum(ENVIRONMENT_NAMES), z.literal('build')]),
    /**
     * When the images were built and first recorded, ISO 8601 UTC. Promotion carries it over unchanged,
     * so that comparing two records' times compares the age of the builds they pin.
     */
    time: z.iso.datetime(),
    images: z
      .object(
        Object.fromEntries(
          RELEASED_SERVICES.map((s) => [s, z.string().regex(DIGEST_REF, 'must be pinned by digest: <repo>@sha256:<64 hex>')]),
        ) as Record<ReleasedService, z.ZodString>,
      )
      .strict(),
  })
  .strict();

export type ReleaseRecord = z.infer<typeof releaseRecordSchema>;


/** Path of a record relative to the repository root, as git names it. */
export function releaseRecordGitPath(env: EnvironmentName): string {
  return `environments/releases/${env}.json`;
}

export function releaseRecordPath(env: EnvironmentName, root: string = REPO_ROOT): string {
  return path.join(root, releaseRecordGitPath(env));
}

function valueAt(data: unknown, issuePath: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const key of issuePath) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describeIssue(data: unknown, issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : '(record)';
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length > 0 ? `${field}: ` : '';
    return `${where}unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}; allowed: ${allowedFields(issue.path)}`;
  }
  const received = valueAt(data, issue.path);
  const got = received === undefined ? 'it is missing' : `received ${JSON.stringify(received)}`;
  return `${field}: ${issue.message} (${got})`;
}

function allowedFields(issuePath: readonly PropertyKey[]): string {
  const keys = issuePath[0] === 'images' ? RELEASED_SERVICES : Object.keys(releaseRecordSchema.shape);
  return keys.join(', ');
}

/**
 * Parses and validates a record's JSON text. Every problem is reported at once, each naming the field,
 * the value received and what is allowed; `source` says where the text came from.
 */
export function parseReleaseRecord(text: string, source: string): ReleaseRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
  const result = releaseRecordSchema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${describeIssue(data, i)}`);
    throw new UserError(`${source} is not a valid release record:\n${lines.join('\n')}`);
  }
  return result.data;
}

export interface LoadReleaseOptions {
  /** A git revision to read the record at (`git show <ref>:environments/releases/<env>.json`); default: the working tree. */
  readonly ref?: string;
  /** Repository root. @default the root of this checkout */
  readonly root?: string;
}

function gitShow(root: string, ref: string, file: string): string {
  try {
    execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: root, stdio: 'pipe' });
  } catch {
    throw new UserError(`--ref ${JSON.stringify(ref)} is not a commit in ${root}; give a commit SHA, tag or branch that exists`);
  }
  try {
    return execFileSync('git', ['show', `${ref}:${file}`], {
      cwd: root,
      encoding: 'utf8',
      stdio: 'pipe',
    });
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

/** The JSON text of a record as stored: fields in schema order, two-space indent, final newline. */
export function formatReleaseRecord(record: ReleaseRecord): string {
  const ordered: ReleaseRecord = {
    environment: record.environment,
    sourceCommit: record.sourceCommit,
    promotedFrom: record.promotedFrom,
    time: record.time,
    images: Object.fromEntries(RELEASED_SERVICES.map((s) => [s, record.images[s]])) as ReleaseRecord['images'],
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
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

/** The order builds move in; promotion goes forward along it. */
const PROMOTION_ORDER: readonly EnvironmentName[] = ENVIRONMENT_NAMES;

export interface PromotionCheck {
  readonly from: EnvironmentName;
  readonly to: EnvironmentName;
  readonly source: ReleaseRecord;
  /** The target's current record; absent for a first promotion. */
  readonly target?: ReleaseRecord;
  /** The source was read from git history on purpose: an explicit rollback or re-pin. */
  readonly fromHistory: boolean;
}

/**
 * The rules a promotion must pass beyond the record schema. Returns every violation, each saying how to fix it;
 * an empty list means the promotion may go ahead.
 */
export function promotionProblems(check: PromotionCheck): string[] {
  const { from, to, source, target, fromHistory } = check;
  const problems: string[] = [];
  const fromIndex = PROMOTION_ORDER.indexOf(from);
  const toIndex = PROMOTION_ORDER.indexOf(to);
  if (!fromHistory && fromIndex >= toIndex) {
    problems.push(
      `--from ${from} --to ${to}: promotion goes forward (${PROMOTION_ORDER.join(' → ')}); to roll ${to} back, pass --ref <commit> to promote an earlier record`,
    );
  }
  if (!fromHistory && target && Date.parse(source.time) < Date.parse(target.time)) {
    problems.push(
      `time: ${from}'s record (${source.time}) is older than ${to}'s (${target.time}); promoting it would roll ${to} back. To roll back on purpose, pass --ref <commit>`,
    );
  }
  return problems;
}

/**
 * The record the target gets: the source's images, commit and build time, marked as promoted from `from`
 * (a rollback of prod from its own history reads `promotedFrom: prod`).
 */
export function promotedRecord(source: ReleaseRecord, from: EnvironmentName, to: EnvironmentName): ReleaseRecord {
  return { ...source, environment: to, promotedFrom: from };
}
