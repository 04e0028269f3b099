// What `npm run deploy|preview|destroy -- --env <env>` does: check tools and cluster, then drive
// the stack through the Pulumi Automation API, streaming the CLI's own progress output.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { UserError } from '../app/errors';
import { ConfigError, loadEnvironment } from '../environments/load';
import type { EnvironmentConfig } from '../environments/schema';
import { checkClusterTarget } from './cluster-guard';
import { kubeconfigPaths, readKubeconfig } from './kubeconfig';
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

export interface Checked {
  readonly env: EnvironmentConfig;
  /** Things worth saying that do not stop the command. */
  readonly warnings: string[];
}

/** The `config:` of Pulumi.<env>.yaml, read without the Pulumi CLI (plain values only). */
export function stackFileConfig(repoRoot: string, envName: string): Record<string, unknown> {
  const file = join(repoRoot, `Pulumi.${envName}.yaml`);
  if (!existsSync(file)) return {};
  const doc = parse(readFileSync(file, 'utf8')) as { config?: Record<string, unknown> } | null;
  return doc?.config ?? {};
}

/**
 * Everything that can be checked before Pulumi runs, reported at once: the environment, the tools,
 * and the wrong-cluster guard (the program checks it again, so `pulumi up` alone is guarded too).
 */
export async function checkBeforePulumi(command: DeployCommand, envName: string, repoRoot: string, machine: Machine): Promise<Checked> {
  let env: EnvironmentConfig;
  try {
    env = loadEnvironment(envName);
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(`--env: ${err.message}`, 2);
    throw err;
  }
  const config = stackFileConfig(repoRoot, env.name);
  const imageSource = config['tasknote:imageSource'] ?? env.imageSource;
  const pulumi = machine.which('pulumi');
  const docker = machine.which('docker');
  const buildsImages = imageSource === 'build';
  const facts: ToolFacts = {
    pulumi,
    docker,
    dockerDaemon: command === 'deploy' && buildsImages && docker !== undefined ? await machine.dockerDaemon(docker) : undefined,
  };
  const problems = toolProblems(command, facts, { buildsImages, stack: env.name });
  const warnings: string[] = [];

  const explicit = typeof config['tasknote:kubeconfig'] === 'string' ? (config['tasknote:kubeconfig'] as string) : undefined;
  let server: string | undefined;
  try {
    const result = checkClusterTarget(env, readKubeconfig(kubeconfigPaths(explicit, machine.processEnv)));
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
  readonly refresh: boolean;
  /** Progress output (Pulumi's stdout). */
  readonly write: (text: string) => void;
  /** Diagnostics (Pulumi's stderr). */
  readonly writeError: (text: string) => void;
  readonly machine?: Machine;
}

/** Checks, then runs `pulumi up|preview|destroy` on the environment's stack. */
export async function runStackCommand(options: RunOptions): Promise<void> {
  const { env, warnings } = await checkBeforePulumi(options.command, options.envName, options.repoRoot, options.machine ?? realMachine);
  for (const warning of warnings) options.writeError(`warning: ${warning}\n`);
  // Loaded late: the Automation API is large, and the checks above must work without it.
  const automation = await import('@pulumi/pulumi/automation');
  const stack = await automation.LocalWorkspace.createOrSelectStack({ stackName: env.name, workDir: options.repoRoot });
  const common = {
    onOutput: options.write,
    onError: options.writeError,
    color: process.stdout.isTTY ? ('always' as const) : ('never' as const),
    refresh: options.refresh,
  };
  try {
    if (options.command === 'deploy') await stack.up(common);
    else if (options.command === 'preview') await stack.preview(common);
    else await stack.destroy(common);
  } catch (err) {
    if (err instanceof automation.ConcurrentUpdateError) {
      throw new UserError(
        `another update of stack '${env.name}' is running; wait for it, or if it died, run 'pulumi cancel --stack ${env.name}'`,
      );
    }
    if (err instanceof automation.CommandError) {
      throw new UserError(
        `pulumi ${options.command === 'deploy' ? 'up' : options.command} of stack '${env.name}' failed; the output above says why`,
      );
    }
    throw err;
  }
}
