// What `npm run deploy|preview|destroy -- --env <env>` does: check tools and cluster, then drive
// the stack through the Pulumi Automation API, streaming the CLI's own progress output.
import { existsSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { UserError } from '../core/user-error';
import { ConfigError, loadEnvironment } from '../environments/load';
import type { EnvironmentConfig } from '../environments/schema';
import { checkClusterTarget, stackCluster } from './cluster-guard';
import { kubeconfigPaths, readKubeconfig } from './kubeconfig';
import { controllerSecretProblems, type StateResource } from './controller-secrets';
import { stackFileSettings, type StackSettings } from './stack-settings';
import { toolchainPulumi } from './toolchain';
import { clusterHint, probeDockerDaemon, probeServer, toolProblems, which, type DeployCommand, type ToolFacts } from './preflight';

/** The machine, as the checks see it; tests pass their own. */
export interface Machine {
  readonly which: (command: string) => string | undefined;
  readonly dockerDaemon: (docker: string) => Promise<{ ok: true } | { ok: false; detail: string }>;
  readonly probeServer: (server: string) => Promise<string | undefined>;
  readonly processEnv: NodeJS.ProcessEnv;
}

export const realMachine: Machine = {
  which: (c) => which(c),
  dockerDaemon: probeDockerDaemon,
  probeServer: (s) => probeServer(s),
  processEnv: process.env,
};

/**
 * What the stack settings put into the deploy's environment, before the checks and the engine
 * start: `tasknote:dockerHost` as DOCKER_HOST (the checks probe that engine; the image builds use
 * it), `tasknote:passphraseFile` unless the environment sets a passphrase itself.
 */
export function stackProcessEnv(settings: StackSettings, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  if (settings.dockerHost !== undefined) out.DOCKER_HOST = settings.dockerHost;
  if (
    settings.passphraseFile !== undefined &&
    env.PULUMI_CONFIG_PASSPHRASE === undefined &&
    env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined
  ) {
    out.PULUMI_CONFIG_PASSPHRASE_FILE = settings.passphraseFile;
  }
  return out;
}

/** `pulumi` on PATH, else the toolchain's build of the SDK's version, whose directory then joins PATH. */
function findPulumi(machine: Machine): string | undefined {
  const onPath = machine.which('pulumi');
  if (onPath !== undefined) return onPath;
  const version = (require('@pulumi/pulumi/package.json') as { version: string }).version;
  const built = toolchainPulumi(machine.processEnv, version);
  if (built !== undefined) machine.processEnv.PATH = [dirname(built), machine.processEnv.PATH].filter(Boolean).join(delimiter);
  return built;
}

export interface Checked {
  readonly env: EnvironmentConfig;
  /** Things worth saying that do not stop the command. */
  readonly warnings: string[];
}

/** Where a stack's settings file is: `--stack-config`, else Pulumi.<env>.yaml in the repository. */
export function stackConfigFile(repoRoot: string, envName: string, explicit?: string): string {
  return explicit === undefined ? join(repoRoot, `Pulumi.${envName}.yaml`) : resolve(explicit);
}

/**
 * Everything that can be checked before Pulumi runs, reported at once: the environment, the tools,
 * and the wrong-cluster guard (the program checks it again, so `pulumi up` alone is guarded too).
 */
export async function checkBeforePulumi(command: DeployCommand, envName: string, configFile: string, machine: Machine): Promise<Checked> {
  const settings = stackFileSettings(envName, configFile);
  Object.assign(machine.processEnv, stackProcessEnv(settings, machine.processEnv));
  let loaded: EnvironmentConfig;
  try {
    loaded = loadEnvironment(envName, settings.overrides);
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(`--env: ${err.message}`, 2);
    throw err;
  }
  const env: EnvironmentConfig = { ...loaded, cluster: stackCluster(loaded, settings.cluster) };
  const imageSource = settings.imageSource ?? env.imageSource;
  const pulumi = findPulumi(machine);
  const docker = machine.which('docker');
  const buildsImages = imageSource === 'build';
  const facts: ToolFacts = {
    pulumi,
    docker,
    dockerDaemon: command === 'deploy' && buildsImages && docker !== undefined ? await machine.dockerDaemon(docker) : undefined,
  };
  const problems = toolProblems(command, facts, { buildsImages, stack: env.name });
  const warnings: string[] = [];

  let server: string | undefined;
  try {
    const result = checkClusterTarget(env, readKubeconfig(kubeconfigPaths(settings.kubeconfig, machine.processEnv)));
    if ('problem' in result) problems.push(`${result.problem}; ${clusterHint(env.cluster)}`);
    else server = result.server;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    problems.push(`${err.message}; ${clusterHint(env.cluster)}`);
  }
  if (server !== undefined) {
    const unreachable = await machine.probeServer(server);
    if (unreachable !== undefined) {
      const message = `the cluster of '${env.name}' does not answer at ${server} (${unreachable}); ${clusterHint(env.cluster)}`;
      // A preview still shows what the program would register, so an unreachable cluster only warns.
      if (command === 'preview') warnings.push(message);
      else problems.push(message);
    }
  }
  if (problems.length > 0) {
    throw new UserError(`cannot ${command} '${env.name}'; nothing was changed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return { env, warnings };
}

export interface RunOptions {
  readonly command: DeployCommand;
  readonly envName: string;
  readonly repoRoot: string;
  /** The Pulumi program, run inline: the Node process serves it to the engine (no language plugin needed). */
  readonly program: () => object | void;
  /**
   * The stack settings file (config and encryption salt); its directory is the Pulumi workspace.
   * @default - Pulumi.<env>.yaml in the repository root
   */
  readonly stackConfig?: string;
  readonly refresh: boolean;
  /** preview only: fail when the preview finds any change (the drift check). */
  readonly expectNoChanges?: boolean;
  /** Progress output (Pulumi's stdout). */
  readonly write: (text: string) => void;
  /** Diagnostics (Pulumi's stderr). */
  readonly writeError: (text: string) => void;
  readonly machine?: Machine;
}

/**
 * Environment of the engine and its providers. The stack owns the fields it declares: a deploy
 * takes them back from whoever changed them out of band (`kubectl scale`, `kubectl edit`), as
 * `kubectl apply --server-side --force-conflicts` would, so that it restores the declared state
 * instead of failing on the server-side apply conflict.
 */
export const STACK_ENV: Readonly<Record<string, string>> = { PULUMI_K8S_ENABLE_PATCH_FORCE: 'true' };

/** The Pulumi project name, as in Pulumi.yaml. */
export const PROJECT_NAME = 'tasknote';

/** What the controller said of each SealedSecret or ExternalSecret whose Secret it did not make, from the stack's state. */
async function secretsNotMade(stack: { exportStack(): Promise<{ deployment: unknown }> }, envName: string): Promise<string[]> {
  try {
    const { deployment } = await stack.exportStack();
    return controllerSecretProblems((deployment as { resources?: StateResource[] }).resources ?? [], envName);
  } catch {
    // The failure's own output stands; this only adds to it.
    return [];
  }
}

/** Checks, then runs `pulumi up|preview|destroy` on the environment's stack. */
export async function runStackCommand(options: RunOptions): Promise<void> {
  const configFile = stackConfigFile(options.repoRoot, options.envName, options.stackConfig);
  const { env, warnings } = await checkBeforePulumi(options.command, options.envName, configFile, options.machine ?? realMachine);
  for (const warning of warnings) options.writeError(`warning: ${warning}\n`);
  // Loaded late: the Automation API is large, and the checks above must work without it.
  const automation = require('@pulumi/pulumi/automation') as typeof import('@pulumi/pulumi/automation');
  const workDir = dirname(configFile);
  const stack = await automation.LocalWorkspace.createOrSelectStack(
    { stackName: env.name, projectName: PROJECT_NAME, program: async () => options.program() as Record<string, unknown> | void },
    // A workspace outside the repository gets the project's name and runtime; the repository's own has Pulumi.yaml.
    {
      workDir,
      // The repository's own workspace has Pulumi.yaml; one elsewhere gets the project's name and runtime.
      ...(existsSync(join(workDir, 'Pulumi.yaml')) ? {} : { projectSettings: { name: PROJECT_NAME, runtime: 'nodejs' as const } }),
      envVars: STACK_ENV,
    },
  );
  const common = {
    onOutput: options.write,
    onError: options.writeError,
    color: process.stdout.isTTY ? ('always' as const) : ('never' as const),
    refresh: options.refresh,
    // Pulumi reads Pulumi.<stack>.yaml of the workspace unless told; name the file when it is called otherwise.
    configFile: basename(configFile) === `Pulumi.${env.name}.yaml` ? undefined : configFile,
  };
  try {
    if (options.command === 'deploy') await stack.up(common);
    else if (options.command === 'preview')
      await stack.preview({ ...common, expectNoChanges: options.expectNoChanges, diff: options.expectNoChanges });
    else await stack.destroy(common);
  } catch (err) {
    if (err instanceof automation.ConcurrentUpdateError) {
      throw new UserError(
        `another update of stack '${env.name}' is running; wait for it, or if it died, run 'pulumi cancel --stack ${env.name}'`,
      );
    }
    if (err instanceof automation.CommandError && options.expectNoChanges && /no changes were expected/i.test(err.message)) {
      throw new UserError(`stack '${env.name}' has drifted: the cluster differs from the stack (the diff above shows how)`);
    }
    if (err instanceof automation.CommandError) {
      const failed = `pulumi ${options.command === 'deploy' ? 'up' : options.command} of stack '${env.name}' failed; the output above says why`;
      const why =
        options.command === 'deploy' && (env.secrets?.provider ?? 'pulumi') !== 'pulumi' ? await secretsNotMade(stack, env.name) : [];
      if (why.length === 0) throw new UserError(failed);
      throw new UserError(
        `${failed}.\nThe cluster's controller did not make every Secret, and nothing that reads them was rolled out:\n${why.map((w) => `  - ${w}`).join('\n')}`,
      );
    }
    throw err;
  }
}
