// The offline manifest check: the API used by `tasknote check`, by synth and by tests.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/user-error';
import type { EnvironmentName } from '../core/environment-names';
import { runCheck } from './engine';
import { listFiles, loadFiles } from './load';
import { summarize } from './report';
import type { CheckOptions, CheckReport, KubeObject, SourcedObject } from './types';

export { ALL_RULES, WAIVER_PREFIX, formatPath } from './engine';
export { formatReport, summarize, type ReportFormat } from './report';
export { parseYaml } from './load';
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

/** Checks YAML files and directories of hand-written or generated manifests. */
export function checkPaths(paths: readonly string[], options: CheckOptions = {}): CheckReport {
  const loaded = loadFiles(listFiles(paths));
  return summarize([runCheck(loaded.items, { ...options, name: options.name ?? paths.join(' '), loadProblems: loaded.problems })]);
}

/** Checks the synthesized output of environments under `distDir/<env>`, each with its own profile. */
export function checkEnvironments(
  envs: readonly EnvironmentName[],
  distDir: string,
  options: Omit<CheckOptions, 'profile' | 'name'> = {},
): CheckReport {
  const targets = envs.map((env) => {
    const dir = path.join(distDir, env);
    if (!fs.existsSync(dir))
      throw new UserError(`${dir} does not exist: run \`npm run synth\` first (or \`npm run synth -- --env ${env}\`)`, 2);
    const loaded = loadFiles(listFiles([dir]));
    return runCheck(loaded.items, { ...options, name: env, profile: env, loadProblems: loaded.problems });
  });
  return summarize(targets);
}
