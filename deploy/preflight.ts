// Checks, before Pulumi starts, that the tools and the cluster a command needs are there,
// and says how to install or start whatever is missing.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import type { EnvironmentConfig } from '../environments/schema';

export type DeployCommand = 'deploy' | 'preview' | 'destroy';

/** What the probes found on this machine. */
export interface ToolFacts {
  /** Path of the `pulumi` binary, or undefined when it is not on PATH. */
  readonly pulumi?: string;
  readonly docker?: string;
  /** Undefined when not asked (no build) or when docker itself is missing. */
  readonly dockerDaemon?: { readonly ok: true } | { readonly ok: false; readonly detail: string };
}

const PULUMI_INSTALL =
  "install it with 'curl -fsSL https://get.pulumi.com | sh' (Linux, macOS) or 'brew install pulumi/tap/pulumi' or 'winget install pulumi', " +
  "then log in to a state backend: 'pulumi login --local' on a laptop, 'pulumi login s3://<bucket>' for shared stacks (docs/deploy.md)";

/** Problems with the local tools, as sentences that say what to do. */
export function toolProblems(
  command: DeployCommand,
  facts: ToolFacts,
  options: { readonly buildsImages: boolean; readonly stack: string },
): string[] {
  const problems: string[] = [];
  if (facts.pulumi === undefined) {
    problems.push(`the Pulumi CLI is missing: 'npm run ${command}' drives the 'pulumi' command, and none is on PATH nor built by the toolchain (npm run toolchain); ${PULUMI_INSTALL}`);
  }
  if (command === 'deploy' && options.buildsImages) {
    if (facts.docker === undefined) {
      problems.push(
        `Docker is missing: stack '${options.stack}' builds its images, and no 'docker' is on PATH; install Docker Desktop or Docker Engine (https://docs.docker.com/get-docker/)`,
      );
    } else if (facts.dockerDaemon !== undefined && !facts.dockerDaemon.ok) {
      problems.push(
        `Docker is installed but its daemon does not answer (${facts.dockerDaemon.detail}); start Docker Desktop, or 'sudo systemctl start docker' on Linux`,
      );
    }
  }
  return problems;
}

/** How to create or reach the cluster of an environment, by cluster kind. */
export function clusterHint(cluster: EnvironmentConfig['cluster']): string {
  switch (cluster.kind) {
    case 'kind':
      return `create it with 'scripts/cluster/kind-up.sh' (context '${cluster.context}'), or start Docker if the cluster exists but is stopped`;
    case 'minikube':
      return `start it with 'minikube start' (its kubeconfig context is the profile name, '${cluster.context}')`;
    case 'k3d':
      return `start it with 'k3d cluster start' or create it as docs/deploy.md shows (context '${cluster.context}')`;
    case 'local':
      return `start it with 'npm run cluster:up', which writes the kubeconfig with context '${cluster.context}'`;
    case 'eks':
      return `fetch its credentials with 'aws eks update-kubeconfig --name <cluster> --region <region> --alias ${cluster.context}'`;
    case 'gke':
      return `fetch its credentials with 'gcloud container clusters get-credentials <cluster> --region <region>' (the context is named '${cluster.context}')`;
    case 'aks':
      return `fetch its credentials with 'az aks get-credentials --resource-group <group> --name <cluster> --context ${cluster.context}'`;
  }
}

/** Host and port of an API server URL, for a reachability probe. */
export function serverAddress(server: string): { host: string; port: number } {
  const url = new URL(server);
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
}

/** Path of an executable on PATH, like `which`. */
export function which(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const ext of exts) {
      const candidate = join(dir, command + ext);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not in this directory
      }
    }
  }
  return undefined;
}

/** Asks the Docker daemon for its version; the client alone answers `docker --version` even with no daemon. */
export function probeDockerDaemon(docker: string): Promise<{ ok: true } | { ok: false; detail: string }> {
  return new Promise((resolve) => {
    execFile(docker, ['version', '--format', '{{.Server.Version}}'], { timeout: 10_000 }, (err, _stdout, stderr) => {
      if (err === null) resolve({ ok: true });
      else resolve({ ok: false, detail: (stderr.trim().split('\n').pop() ?? '') || err.message });
    });
  });
}

/** Opens a TCP connection to the API server; resolves to a problem description, or undefined when it answers. */
export function probeServer(server: string, timeoutMs = 3000): Promise<string | undefined> {
  let address: { host: string; port: number };
  try {
    address = serverAddress(server);
  } catch {
    return Promise.resolve(`'${server}' is not a URL`);
  }
  return new Promise((resolve) => {
    const socket = connect(address);
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer from ${address.host}:${address.port} within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => done(`${address.host}:${address.port}: ${err.code ?? err.message}`));
  });
}
