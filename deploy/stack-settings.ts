// The plain `tasknote:*` stack settings, validated in one place for both readers: `npm run deploy`'s
// checks (the `config:` of the stack settings file) and the program (the engine's config).
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { UserError } from '../core/user-error';
import type { Override } from '../environments/load';
import { DURATION } from './durations';

/** Stack config keys of the `tasknote` namespace, and what each does (docs/deploy.md lists them too). */
export const CONFIG_KEYS = {
  kubeconfig: 'path of the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)',
  imageSource: "'build' or 'release': overrides the environment's imageSource",
  nodeImage: 'NODE_IMAGE build argument of the service Dockerfiles (default: the Dockerfile default)',
  platform: 'platform to build images for, e.g. linux/amd64 (default: the Docker daemon platform)',
  registryUsername: 'user name for pushing to a managed registry',
  registryPassword: 'password or token for pushing to a managed registry (secret)',
  migrationTimeout: 'how long the migration Job may run, e.g. 10m (default 10m)',
  rolloutTimeout: 'how long a data store or workload may take to become ready (default 10m)',
  secretsTimeout: "how long the cluster's controller may take to make each Secret from its SealedSecret or ExternalSecret (default 3m)",
  configuredSecrets: 'list of secret config keys that must be set rather than generated',
  cluster: '{context, server}: deploy to a control plane on a loopback address (npm run cluster:up) instead of the environment cluster',
  dockerHost:
    'the Docker engine that builds the images, as DOCKER_HOST names it (default: DOCKER_HOST, else the engine at its usual socket); the setting wins over the variable',
  passphraseFile:
    "file holding this stack's secrets passphrase, used when neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set (cluster:up writes one)",
  overrides: 'map of environment field path (as for synth --set) to value, e.g. {api.replicas: 2}; no environment file is edited',
} as const;

const NAMESPACE = 'tasknote:';
const OVERRIDES_SETTING = `${NAMESPACE}overrides`;

const duration = z.string().regex(DURATION, 'must be a duration such as 90s, 10m or 1h');

const settingsSchema = z
  .object({
    kubeconfig: z.string(),
    imageSource: z.enum(['build', 'release'], { error: "must be 'build' or 'release'" }),
    nodeImage: z.string(),
    platform: z.string(),
    registryUsername: z.string(),
    registryPassword: z.string(),
    migrationTimeout: duration,
    rolloutTimeout: duration,
    secretsTimeout: duration,
    configuredSecrets: z.array(z.string(), { error: 'must be a list of secret config keys' }),
    dockerHost: z.string().regex(/^(unix|tcp|ssh|npipe):\/\/./, 'must be a Docker host such as unix:///var/run/docker.sock'),
    passphraseFile: z.string().min(1),
    // deploy/cluster-guard.ts validates it, with its own message.
    cluster: z.unknown(),
    overrides: z
      .record(z.string(), z.unknown(), { error: 'must be a map of environment field path to value' })
      .transform((fields): Override[] => Object.entries(fields).map(([path, value]) => ({ setting: OVERRIDES_SETTING, path, value }))),
  } satisfies Record<keyof typeof CONFIG_KEYS, z.ZodType>)
  .partial()
  .strict();

/** The plain settings of a stack; `overrides` are the environment fields it sets, for `loadEnvironment`. */
export type StackSettings = z.output<typeof settingsSchema>;

/**
 * Validates the `tasknote:` keys of a stack's config (key → value, other namespaces ignored),
 * reporting every problem at once with the key, the value received and what is allowed. Secret
 * values (`isSecret`) are left out: the program reads them with `config.getSecret`.
 */
export function stackSettings(stack: string, config: Readonly<Record<string, unknown>>, isSecret: (key: string) => boolean): StackSettings {
  const plain = Object.fromEntries(
    Object.entries(config)
      .filter(([key]) => key.startsWith(NAMESPACE) && !isSecret(key))
      .map(([key, value]) => [key.slice(NAMESPACE.length), asInFile(value)]),
  );
  const result = settingsSchema.safeParse(plain);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const known = Object.keys(CONFIG_KEYS).join(', ');
      return `${issue.keys.map((k) => NAMESPACE + k).join(', ')}: unknown key; known keys: ${known} (secret values are set with 'pulumi config set --secret')`;
    }
    const key = String(issue.path[0]);
    return `${NAMESPACE}${issue.path.map(String).join('.')}: ${issue.message} (received ${JSON.stringify(plain[key])})`;
  });
  throw new UserError(`the settings of stack '${stack}' are invalid; nothing was changed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

/** The settings of a stack settings file (`Pulumi.<env>.yaml`), read without the Pulumi CLI; none when it is missing. */
export function stackFileSettings(stack: string, file: string): StackSettings {
  const doc = existsSync(file) ? (parse(readFileSync(file, 'utf8')) as { config?: Record<string, unknown> } | null) : null;
  return stackSettings(stack, doc?.config ?? {}, (key) => isEncrypted(doc?.config?.[key]));
}

/** A value the file holds encrypted (`{secure: …}`), as `pulumi config set --secret` writes it. */
function isEncrypted(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, 'secure');
}

/**
 * A value as a settings file holds it. The engine hands a program every value as a string,
 * structured ones as JSON, and a YAML number or boolean as its text: read both the same way.
 */
function asInFile(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'string' && /^[[{]/.test(value) ? parseJson(value) : value;
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
