// The offline manifest check: the API used by `tasknote check`, by synth and by tests.
import fs from 'node:fs';
import { UserError } from '../core/user-error';
import { runCheck } from './engine';
import type { ContentCache } from '../core/content-cache';
import { listFiles, loadFiles } from './load';
import { summarize } from './report';
import type { CheckOptions, CheckReport, KubeObject, Profile, SourcedObject } from './types';

export { ALL_RULES, WAIVER_PREFIX, formatPath } from './engine';
export { describeProfile, formatReport, summarize, type ReportFormat } from './report';
export { openParseCache, parseYaml } from './load';
export { PROVIDED_ANNOTATION } from './model';
export { KUBERNETES_VERSION } from './api-versions';
export * from './types';

/**
 * Checks in-memory objects, e.g. synth output before it is written. Pure: reads no files.
 * `source` names where each object will be written, so findings point at the future file.
 */
export function checkObjects(objects: readonly { source: string; object: KubeObject }[], options: CheckOptions = {}): CheckReport {
  const items: SourcedObject[] = objects.map((o) => ({ source: o.source, object: o.object }));
  return summarize([runCheck(items, options)]);
}

/** How files are read: `parseCache` (see `openParseCache`) spares parsing a file parsed before. */
export interface LoadOptions {
  readonly parseCache?: ContentCache;
}

/** Checks YAML files and directories of hand-written or generated manifests. */
export function checkPaths(paths: readonly string[], { parseCache, ...options }: CheckOptions & LoadOptions = {}): CheckReport {
  const loaded = loadFiles(listFiles(paths), parseCache);
  return summarize([runCheck(loaded.items, { ...options, name: options.name ?? paths.join(' '), loadProblems: loaded.problems })]);
}

/** One directory to check under its own profile, e.g. one synthesized environment. */
export interface DirectoryTarget {
  readonly name: string;
  readonly dir: string;
  readonly profile: Profile;
  /** What to tell the user when `dir` is missing, e.g. "run `npm run synth` first". */
  readonly missingHint?: string;
}

/** Checks several directories, each under its own profile (the caller's: check knows no environment names). */
export function checkDirectories(
  dirs: readonly DirectoryTarget[],
  { parseCache, ...options }: Omit<CheckOptions, 'profile' | 'name'> & LoadOptions = {},
): CheckReport {
  const targets = dirs.map((t) => {
    if (!fs.existsSync(t.dir)) throw new UserError(`${t.dir} does not exist${t.missingHint ? `: ${t.missingHint}` : ''}`, 2);
    const loaded = loadFiles(listFiles([t.dir]), parseCache);
    return runCheck(loaded.items, { ...options, name: t.name, profile: t.profile, loadProblems: loaded.problems });
  });
  return summarize(targets);
}
