// Promotion and rollback of release records: validate, show the manifest diff the change causes, then write.
import { REPO_ROOT } from '../core/repo-root';
import { UserError } from '../core/user-error';
import { hasReleaseRecord, loadReleaseRecord, writeReleaseRecord } from '../environments/release-store';
import { parseReleaseRecord, ReleaseRecord } from '../environments/release-record';
import { promotedRecord, promotionProblems } from '../environments/promotion';
import { EnvironmentName } from '../core/environment-names';
import { diffManifests, ManifestDiff } from './diff';
import { KubeObject } from '../core/kube-object';

/** Synthesizes one environment's objects as they would be with the given release record. */
export type SynthesizeWithRecord = (env: EnvironmentName, record: ReleaseRecord) => readonly KubeObject[];

export interface PromoteOptions {
  /** The environment whose record is promoted. @default `to` when `ref` is given (a rollback) */
  readonly from?: EnvironmentName;
  readonly to: EnvironmentName;
  /** Read the source record at this git revision: an explicit rollback or re-pin, exempt from the "not older" rule. */
  readonly ref?: string;
  /** Validate and show the diff, but write nothing. @default false */
  readonly dryRun?: boolean;
  /** Repository root holding `environments/releases/`. @default the root of this checkout */
  readonly root?: string;
  /** Renders the target's manifests for the old and the new record. @default - no manifest diff is computed */
  readonly synthesize?: SynthesizeWithRecord;
}

export interface PromoteResult {
  readonly from: EnvironmentName | 'build';
  readonly to: EnvironmentName;
  readonly record: ReleaseRecord;
  readonly previous?: ReleaseRecord;
  /** The file written; absent on a dry run or when the target already runs the record. */
  readonly written?: string;
  /** What the reader must know: a rollback, a first promotion, nothing to do. */
  readonly notes: readonly string[];
  readonly diff?: ManifestDiff;
}

function sameRelease(a: ReleaseRecord, b: ReleaseRecord): boolean {
  return a.sourceCommit === b.sourceCommit && JSON.stringify(a.images) === JSON.stringify(b.images);
}

function loadSource(from: EnvironmentName, to: EnvironmentName, ref: string | undefined, root: string): ReleaseRecord {
  if (ref === undefined && !hasReleaseRecord(from, root)) {
    throw new UserError(
      `--from ${from}: environment '${from}' has no release record (environments/releases/${from}.json); ` +
        `only environments with a record can be promoted (promote staging to prod, or pass --ref <commit> to roll ${to} back)`,
    );
  }
  return loadReleaseRecord(from, { ref, root });
}

/**
 * Promotes `from`'s record to `to` (or, with `ref`, a record from git history). Nothing is written unless
 * every check passes and the new manifests synthesize.
 */
export function promote(options: PromoteOptions): PromoteResult {
  const { to, ref } = options;
  const root = options.root ?? REPO_ROOT;
  if (options.from === undefined && ref === undefined) {
    throw new UserError(`--from is required: name the environment to promote to ${to} (or pass --ref <commit> to roll ${to} back)`, 2);
  }
  const from = options.from ?? to;
  const source = loadSource(from, to, ref, root);
  const previous = hasReleaseRecord(to, root) ? loadReleaseRecord(to, { root }) : undefined;

  const problems = promotionProblems({
    from,
    to,
    source,
    target: previous,
    fromHistory: ref !== undefined,
  });
  if (problems.length > 0) {
    throw new UserError(`cannot promote ${from} to ${to}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }

  const record = promotedRecord(source, from, to);
  const notes: string[] = [];
  if (previous && sameRelease(previous, record)) {
    notes.push(`${to} already runs ${record.sourceCommit.slice(0, 12)} with these images; nothing to promote`);
    return { from, to, record: previous, previous, notes };
  }
  if (!previous) notes.push(`${to} has no release record yet; this is its first promotion`);
  if (ref !== undefined) {
    const older = previous && Date.parse(record.time) < Date.parse(previous.time);
    notes.push(
      older
        ? `rollback: the record from ${ref} (${record.time}) is older than ${to}'s current one (${previous.time}); ` +
            `the "not older" rule does not apply to an explicit --ref`
        : `the record comes from ${ref} (explicit --ref)`,
    );
  }

  // Synthesize before writing: a record the stack cannot render must not land.
  const diff = options.synthesize
    ? diffManifests(previous ? options.synthesize(to, previous) : [], options.synthesize(to, record))
    : undefined;
  const written = options.dryRun ? undefined : writeReleaseRecord(record, root);
  return { from, to, record, previous, written, notes, diff };
}

export interface RecordBuildOptions {
  readonly to: EnvironmentName;
  /** The pushed images, by service: `api=<repo>@sha256:…`. */
  readonly images: Readonly<Record<string, string>>;
  readonly sourceCommit: string;
  /** @default the current time */
  readonly time?: string;
  readonly dryRun?: boolean;
  readonly root?: string;
  readonly synthesize?: SynthesizeWithRecord;
}

/**
 * Writes a fresh build's record (`promotedFrom: build`), the first step of the promotion path. It goes through the
 * same checks as a promotion: a full, digest-pinned record that is not older than the one it replaces.
 */
export function recordBuild(options: RecordBuildOptions): PromoteResult {
  const { to } = options;
  const root = options.root ?? REPO_ROOT;
  const candidate = {
    environment: to,
    sourceCommit: options.sourceCommit,
    promotedFrom: 'build',
    time: options.time ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    images: options.images,
  };
  const record = parseReleaseRecord(JSON.stringify(candidate), `the build record for ${to}`);
  const previous = hasReleaseRecord(to, root) ? loadReleaseRecord(to, { root }) : undefined;
  if (previous && Date.parse(record.time) < Date.parse(previous.time)) {
    throw new UserError(`time: the build record (${record.time}) is older than ${to}'s (${previous.time}); pass a later --time`);
  }
  const diff = options.synthesize
    ? diffManifests(previous ? options.synthesize(to, previous) : [], options.synthesize(to, record))
    : undefined;
  const written = options.dryRun ? undefined : writeReleaseRecord(record, root);
  return {
    from: 'build',
    to,
    record,
    previous,
    written,
    notes: previous ? [] : [`${to} has no release record yet; this is its first`],
    diff,
  };
}
