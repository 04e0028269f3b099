// Resolves the program's inputs from the stack (its name and config) and the machine
// (kubeconfig, git, release records). Everything impure the program needs happens here.
import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import * as pulumi from '@pulumi/pulumi';
import { git } from '../core/git';
import { UserError } from '../core/user-error';
import type { Override } from '../environments/load';
import type { EnvironmentConfig } from '../environments/schema';
import type { EnvironmentName } from '../core/environment-names';
import type { BuildHost, RegistryAuth } from './components/service-images';
import { DEFAULT_TIMEOUTS } from './durations';
import { isLocalRegistry, planImages, readReleaseRecord, registryServer } from './images';
import { kubeconfigPaths, readKubeconfig } from './kubeconfig';
import { stackCluster } from './cluster-guard';
import { LOCAL_CLUSTER_KINDS } from '../environments/schema';
import type { DeployProgramInputs, SynthesizedEnvironment } from './program';
import { stackSettings } from './stack-settings';
import type { PerService } from '../services/contracts';

/** The composition `npm run synth` uses, with the images to put in the manifests and the stack's environment overrides. */
export type SynthesizeWithOverrides = (
  envName: EnvironmentName,
  options: { images: PerService<string>; overrides: readonly Override[] },
) => SynthesizedEnvironment;

export interface StackInputsDeps {
  readonly stack: string;
  /** The stack's config in the `tasknote` namespace; secret values are read from it. */
  readonly config: pulumi.Config;
  readonly processEnv: NodeJS.ProcessEnv;
  readonly repoRoot: string;
  readonly loadEnvironment: (name: EnvironmentName, overrides: readonly Override[]) => EnvironmentConfig;
  readonly synthesize: SynthesizeWithOverrides;
  /** The commit images are tagged with; read from git unless given. */
  readonly git?: () => { commit: string; dirty: boolean };
}

/**
 * Whether the engine holds a config value as a secret. The SDK exports it from `pulumi.runtime`
 * but types it `@internal`; the mock tests of the program fail if it goes.
 */
const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret: (key: string) => boolean }).isConfigSecret;

/** Reads the stack and the machine into program inputs; every problem is a `UserError`. */
export function resolveDeployInputs(deps: StackInputsDeps): DeployProgramInputs {
  const { config } = deps;
  const envName = environmentOfStack(deps.stack);
  const settings = stackSettings(deps.stack, pulumi.runtime.allConfig(), isConfigSecret);
  const overrides = settings.overrides ?? [];
  const loaded = deps.loadEnvironment(envName, overrides);
  const env = { ...loaded, cluster: stackCluster(loaded, settings.cluster) };
  const kubeconfig = readKubeconfig(kubeconfigPaths(settings.kubeconfig, deps.processEnv));
  const images = planImages({
    env,
    repoRoot: deps.repoRoot,
    imageSource: settings.imageSource,
    git: (settings.imageSource ?? env.imageSource) === 'build' ? (deps.git ?? (() => gitSource(deps.repoRoot)))() : undefined,
    loadRelease: () => readReleaseRecord(envName, deps.repoRoot),
    buildArgs: settings.nodeImage === undefined ? {} : { NODE_IMAGE: settings.nodeImage },
  });
  return {
    env,
    kubeconfig,
    images,
    synthesize: (name, options) => deps.synthesize(name, { ...options, overrides }),
    timeouts: {
      migration: settings.migrationTimeout ?? DEFAULT_TIMEOUTS.migration,
      rollout: settings.rolloutTimeout ?? DEFAULT_TIMEOUTS.rollout,
      secrets: settings.secretsTimeout ?? DEFAULT_TIMEOUTS.secrets,
    },
    configuredSecrets: settings.configuredSecrets ?? [],
    secretConfig: (key) => config.getSecret(key),
    registryAuth: images.source === 'build' ? registryAuth(env, settings.registryUsername, config, deps.stack) : undefined,
    platform: settings.platform,
    buildHost: images.source === 'build' ? buildHostOf(deps.processEnv) : undefined,
  };
}

/**
 * How image builds reach the npm registry from this machine: the CA certificates npm must trust
 * beyond Node's own (from TASKNOTE_NPM_CA, else NODE_EXTRA_CA_CERTS; none when neither is set),
 * and the registry's address when only /etc/hosts knows it.
 */
export function buildHostOf(processEnv: NodeJS.ProcessEnv, hostsFile = '/etc/hosts'): BuildHost {
  const caFile = processEnv.TASKNOTE_NPM_CA ?? processEnv.NODE_EXTRA_CA_CERTS;
  if (caFile !== undefined && !existsSync(caFile)) {
    throw new UserError(
      `the npm CA bundle ${caFile} (TASKNOTE_NPM_CA or NODE_EXTRA_CA_CERTS) does not exist; point it at a PEM file or unset it`,
    );
  }
  const registryHost = new URL(processEnv.npm_config_registry ?? 'https://registry.npmjs.org/').hostname;
  const ip = existsSync(hostsFile) ? hostsEntry(readFileSync(hostsFile, 'utf8'), registryHost) : undefined;
  const extra = caFile === undefined ? '' : extraCertificates(readFileSync(caFile, 'utf8'));
  return {
    npmCa: extra === '' ? undefined : extra,
    addHosts: ip === undefined ? undefined : [`${registryHost}:${ip}`],
  };
}

/**
 * The certificates of a PEM bundle that Node does not already trust (`tls.rootCertificates`).
 * npm in the image trusts Node's roots plus these, the same set as trusting the whole bundle; and
 * the secret stays small (a build secret travels in an environment variable, capped at 128 KiB).
 */
export function extraCertificates(bundle: string): string {
  const normal = (pem: string) => pem.replace(/\s+/g, '');
  const known = new Set(rootCertificates.map(normal));
  const certs = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return certs
    .filter((c) => !known.has(normal(c)))
    .map((c) => `${c}\n`)
    .join('');
}

/** The address /etc/hosts gives a name (first match), skipping loopback, which a build container resolves itself. */
export function hostsEntry(hosts: string, name: string): string | undefined {
  for (const line of hosts.split('\n')) {
    const [ip, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (ip !== undefined && names.includes(name) && !ip.startsWith('127.') && ip !== '::1') return ip;
  }
  return undefined;
}

/** A stack is named after the environment it deploys. */
export function environmentOfStack(stack: string): EnvironmentName {
  const names: readonly string[] = ['dev', 'staging', 'prod'];
  if (!names.includes(stack)) {
    throw new UserError(
      `stack '${stack}' is not an environment: a stack is named after the environment it deploys, one of ${names.join(', ')}`,
    );
  }
  return stack as EnvironmentName;
}

/**
 * Credentials for the push, from stack config. A registry on this machine or next to a local
 * cluster (kind, minikube, k3d) takes anonymous pushes; a managed one must have them.
 */
function registryAuth(
  env: EnvironmentConfig,
  username: string | undefined,
  config: pulumi.Config,
  stack: string,
): RegistryAuth | undefined {
  const password = config.getSecret('registryPassword');
  if (username !== undefined && password !== undefined) return { server: registryServer(env.registry), username, password };
  if (isLocalRegistry(env.registry) || LOCAL_CLUSTER_KINDS.includes(env.cluster.kind)) return undefined;
  throw new UserError(
    `stack '${stack}' builds and pushes to ${registryServer(env.registry)}, which needs credentials: ` +
      `pulumi config set --stack ${stack} tasknote:registryUsername <user> and pulumi config set --stack ${stack} --secret tasknote:registryPassword <token> ` +
      `(for ECR: user AWS, token from 'aws ecr get-login-password')`,
  );
}

/**
 * The paths an image build reads (the allow-list of .dockerignore; test/deploy checks the two agree).
 * Only a change under them makes a build `-dirty`: an edited environment file changes no image.
 */
export const IMAGE_SOURCE_PATHS = ['package.json', 'package-lock.json', 'tsconfig.json', 'services', 'scripts/containers/prod-closure.js'];

/** The checked-out commit and whether the image sources in the working tree differ from it. */
export function gitSource(repoRoot: string): { commit: string; dirty: boolean } {
  try {
    const commit = git(repoRoot, ['rev-parse', 'HEAD']);
    const status = git(repoRoot, ['status', '--porcelain', '--', ...IMAGE_SOURCE_PATHS]);
    return { commit, dirty: status.trim() !== '' };
  } catch (err) {
    throw new UserError(
      `cannot read the git commit to tag images with in ${repoRoot}: ${(err as Error).message.split('\n')[0]}; images built from the working tree need a git checkout`,
    );
  }
}
