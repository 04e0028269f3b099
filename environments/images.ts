// Which image each service runs in an environment: the dev tag, the release record's digests,
// or references the deploy step pinned after pushing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceImages } from '../app/stack';
import { apiContract } from '../services/api/src/contract';
import { workerContract } from '../services/worker/src/contract';
import { checkImageRef } from '../constructs/validators';
import { ConfigError, formatIssues } from './load';
import { releaseRecordSchema } from './release';
import type { EnvironmentConfig } from './schema';

export const RELEASES_DIR = join(__dirname, 'releases');

/** Image references built from the working tree: `<registry>/<image>:<devImageTag>`. */
export function buildImages(env: EnvironmentConfig): ServiceImages {
  return {
    api: `${env.registry}/${apiContract.imageName}:${env.devImageTag}`,
    worker: `${env.registry}/${workerContract.imageName}:${env.devImageTag}`,
  };
}

/** The digest-pinned images of `env`'s release record. */
export function releaseImages(env: EnvironmentConfig, releasesDir: string = RELEASES_DIR): ServiceImages {
  const file = join(releasesDir, `${env.name}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(env.name, [`release record ${file} could not be read: ${(err as Error).message}`]);
  }
  const result = releaseRecordSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(env.name, formatIssues(raw, result.error, releaseRecordSchema).map((p) => `release record ${file}: ${p}`));
  return { api: result.data.images.api, worker: result.data.images.worker };
}

/**
 * The images `env` runs: overrides win (the deploy step passes the digests it pushed), then the
 * release record or the dev tag, depending on `imageSource`.
 */
export function resolveImages(env: EnvironmentConfig, overrides: Partial<ServiceImages> = {}): ServiceImages {
  const problems = Object.entries(overrides)
    .filter(([, ref]) => ref !== undefined && checkImageRef(ref) !== undefined)
    .map(([service, ref]) => `image ${service} (${JSON.stringify(ref)}) ${checkImageRef(ref!)}`);
  if (problems.length > 0) throw new ConfigError(env.name, problems);
  const base = env.imageSource === 'release' ? releaseImages(env) : buildImages(env);
  return { ...base, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
}
