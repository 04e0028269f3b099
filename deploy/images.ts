// Service images: where each is built from, how it is tagged, and how digests reach the manifests.
import { join } from 'node:path';
import { UserError } from '../core/user-error';
import { hasReleaseRecord, loadReleaseRecord, releaseRecordGitPath } from '../environments/release-store';
import { type ReleaseRecord } from '../environments/release-record';
import type { EnvironmentConfig } from '../environments/schema';
import type { EnvironmentName } from '../core/environment-names';
import { perService, SERVICE_CONTRACTS, SERVICE_NAMES, type PerService, type ServiceName } from '../services/contracts';

/** Repository name (without registry) of each released service. */
export const SERVICE_IMAGE_NAMES: PerService<string> = perService((s) => SERVICE_CONTRACTS[s].imageName);

/** Everything `docker build` + `docker push` needs for one service. */
export interface ImageBuild {
  readonly service: ServiceName;
  /** `registry/name`, without tag or digest. */
  readonly repository: string;
  readonly tag: string;
  /** `repository:tag`, what is pushed. */
  readonly imageName: string;
  /** Absolute path of the build context. */
  readonly context: string;
  /** Absolute path of the Dockerfile. */
  readonly dockerfile: string;
  readonly args: Readonly<Record<string, string>>;
}

export type ImagePlan =
  | { readonly source: 'build'; readonly builds: readonly ImageBuild[] }
  | { readonly source: 'release'; readonly file: string; readonly record: ReleaseRecord; readonly refs: PerService<string> };

/**
 * Build context and Dockerfile of a service. The context is the repository root
 * because the services are npm workspaces that share the root package-lock.json;
 * the one services/Dockerfile builds every service, chosen by the SERVICE build argument.
 */
export function dockerBuildPaths(service: ServiceName, repoRoot: string): { context: string; dockerfile: string; args: { SERVICE: string } } {
  return { context: repoRoot, dockerfile: join(repoRoot, 'services', 'Dockerfile'), args: { SERVICE: service } };
}

/**
 * The tag of an image built from the working tree: the full commit, so that a tag
 * always names its source, and `-dirty` when uncommitted changes went into it.
 */
export function sourceTag(commit: string, dirty: boolean): string {
  if (!/^[0-9a-f]{40}$/.test(commit)) {
    throw new UserError(`source commit must be a full 40-character git SHA; got '${commit}'`);
  }
  return dirty ? `${commit}-dirty` : commit;
}

export function imageRepository(registry: string, service: ServiceName): string {
  return `${registry}/${SERVICE_IMAGE_NAMES[service]}`;
}

/** Host (and port) of a registry prefix such as `localhost:5001/tasknote`: what `docker login` takes. */
export function registryServer(registry: string): string {
  return registry.split('/')[0];
}

/** A registry on this machine (the kind recipe's) needs no credentials. */
export function isLocalRegistry(registry: string): boolean {
  return /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(registryServer(registry));
}

export interface PlanImagesOptions {
  readonly env: Pick<EnvironmentConfig, 'name' | 'registry' | 'imageSource'>;
  readonly repoRoot: string;
  /** Overrides `env.imageSource` (stack config `tasknote:imageSource`). */
  readonly imageSource?: 'build' | 'release';
  /** Needed when the source is `build`. */
  readonly git?: { readonly commit: string; readonly dirty: boolean };
  /** Loads the environment's release record; needed when the source is `release`. */
  readonly loadRelease?: () => { file: string; record: ReleaseRecord };
  /** Extra `--build-arg`s, such as `NODE_IMAGE`. */
  readonly buildArgs?: Readonly<Record<string, string>>;
}

/** Decides what a deploy does for images: build and push every service, or take a release record and build nothing. */
export function planImages(options: PlanImagesOptions): ImagePlan {
  const source = options.imageSource ?? options.env.imageSource;
  if (source === 'release') {
    if (options.loadRelease === undefined) throw new Error('planImages: loadRelease is required for a release source');
    const { file, record } = options.loadRelease();
    if (record.environment !== options.env.name) {
      throw new UserError(`release record ${file}: 'environment' is '${record.environment}', but the stack deploys '${options.env.name}'`);
    }
    return { source, file, record, refs: { ...record.images } };
  }
  if (options.git === undefined) throw new Error('planImages: git is required for a build source');
  const tag = sourceTag(options.git.commit, options.git.dirty);
  const builds = SERVICE_NAMES.map((service): ImageBuild => {
    const repository = imageRepository(options.env.registry, service);
    const paths = dockerBuildPaths(service, options.repoRoot);
    return {
      service,
      repository,
      tag,
      imageName: `${repository}:${tag}`,
      ...paths,
      args: { ...options.buildArgs, ...paths.args },
    };
  });
  return { source, builds };
}

/** The release record of an environment, validated by environments/release.ts. */
export function readReleaseRecord(envName: EnvironmentName, repoRoot: string): { file: string; record: ReleaseRecord } {
  const file = releaseRecordGitPath(envName);
  if (!hasReleaseRecord(envName, repoRoot)) {
    throw new UserError(
      `${file} does not exist: '${envName}' takes its images from a release record (imageSource 'release') and builds nothing; ` +
        `promote a release to it first, or set the stack config 'tasknote:imageSource' to 'build'`,
    );
  }
  return { file, record: loadReleaseRecord(envName, { root: repoRoot }) };
}

/**
 * Turns the `repoDigest` that docker reports into the reference the manifests use.
 * It must be `<repository>@sha256:<64 hex>` of the repository that was pushed.
 */
export function pinnedReference(repository: string, repoDigest: string): string {
  const match = /^(.+)@(sha256:[a-f0-9]{64})$/.exec(repoDigest);
  if (match === null) {
    throw new UserError(
      `image ${repository}: the push reported '${repoDigest}', which is not <repository>@sha256:<digest>; was the image pushed to a registry?`,
    );
  }
  if (match[1] !== repository) {
    throw new UserError(`image ${repository}: the push reported digest of '${match[1]}', not of the repository that was built`);
  }
  return `${repository}@${match[2]}`;
}

/**
 * Stand-in references for images not built yet. The stack is synthesized once with each set;
 * fields that differ between the two depend on the images and are filled in after the push.
 */
export function placeholderImages(registry: string, variant: 0 | 1): PerService<string> {
  const digest = `sha256:${(variant === 0 ? '0' : 'f').repeat(64)}`;
  return {
    api: `${imageRepository(registry, 'api')}@${digest}`,
    worker: `${imageRepository(registry, 'worker')}@${digest}`,
  };
}
