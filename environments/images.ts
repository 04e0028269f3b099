// Which image each service runs in an environment: the dev tag, the release record's digests,
// or references the deploy step pinned after pushing.
import { REPO_ROOT } from '../core/repo-root';
import { UserError } from '../core/user-error';
import { perService, SERVICE_CONTRACTS, type ServiceImageRefs } from '../services/contracts';
import { checkImageRef } from '../core/value-rules';
import { ConfigError } from './load';
import { loadReleaseRecord } from './release-store';
import type { EnvironmentConfig } from './schema';

/** Image references built from the working tree: `<registry>/<image>:<devImageTag>`. */
export function buildImages(env: EnvironmentConfig): ServiceImageRefs {
  return perService((s) => `${env.registry}/${SERVICE_CONTRACTS[s].imageName}:${env.devImageTag}`);
}

/** The digest-pinned images of `env`'s release record, read by the loader that deploy and promote use. */
export function releaseImages(env: EnvironmentConfig, root: string = REPO_ROOT): ServiceImageRefs {
  try {
    return loadReleaseRecord(env.name, { root }).images;
  } catch (err) {
    if (err instanceof UserError) throw new ConfigError(env.name, [err.message]);
    throw err;
  }
}

/**
 * The images `env` runs: overrides win (the deploy step passes the digests it pushed), then the
 * release record or the dev tag, depending on `imageSource`.
 */
export function resolveImages(env: EnvironmentConfig, overrides: Partial<ServiceImageRefs> = {}): ServiceImageRefs {
  const problems = Object.entries(overrides)
    .filter(([, ref]) => ref !== undefined && checkImageRef(ref) !== undefined)
    .map(([service, ref]) => `image ${service} (${JSON.stringify(ref)}) ${checkImageRef(ref!)}`);
  if (problems.length > 0) throw new ConfigError(env.name, problems);
  const base = env.imageSource === 'release' ? releaseImages(env) : buildImages(env);
  return { ...base, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
}
