// Controllers the lane itself does not run (sealed-secrets, External Secrets Operator), and a
// control plane of a test's own for them: etcd and kube-apiserver of the toolchain on free loopback
// ports, so it never clashes with the lane's fixed ones, a static admin token, and a scratch
// directory with every process's log. `processGroup` starts and stops a test's processes;
// `startSealedSecretsController` runs the real controller against any API server on 127.0.0.1
// (a control plane of the test's own, or the lane's clusters: test/cluster/gitops.ctest.ts).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function toolchainPath(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the cluster lane ('npm run test:cluster'), which builds the toolchain`);
  return v;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * Polls `probe` (a throw counts as "not yet") until it returns a value. On a time-out the process
 * logs in `logs` (a control plane's directory, which its `stop()` removes) are copied to a
 * directory beside it that is kept, and the error names that one.
 */
export async function until<T>(what: string, probe: () => T | undefined, seconds = 60, logs = ''): Promise<T> {
  for (let i = 0; i < seconds * 4; i++) {
    try {
      const v = probe();
      if (v !== undefined) return v;
    } catch {
      // not yet
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${logs ? ` (logs kept in ${keepLogs(logs)})` : ''}`);
}

/** Copies the `*.log` files of a directory to `<dir>-logs`, and returns that path. */
function keepLogs(dir: string): string {
  const kept = `${dir}-logs`;
  cpSync(dir, kept, { recursive: true, filter: (src) => src === dir || src.endsWith('.log') });
  return kept;
}

export interface OwnControlPlane {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly apiPort: number;
  readonly token: string;
  /** The API server's self-signed serving certificate, which is also its CA. */
  readonly ca: string;
  kubectl(...args: string[]): string;
  /** A server-side dry run with strict field validation of one object: what the API server says of it, changing nothing. */
  strictDryRun(obj: object): { status: number; stderr: string };
  /** Starts a process whose output goes to `<dir>/<name>.log`; stopped by `stop()`. */
  start(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): void;
  stop(): Promise<void>;
}

/** Processes a test started, each logging to `<dir>/<name>.log`; `stop()` ends them, newest first. */
export interface ProcessGroup {
  start(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): void;
  stop(): Promise<void>;
}

export function processGroup(dir: string): ProcessGroup {
  const processes: ChildProcess[] = [];
  return {
    start(name, command, args, env = process.env) {
      const log = openSync(join(dir, `${name}.log`), 'a');
      processes.push(spawn(command, args, { env, stdio: ['ignore', log, log] }));
      closeSync(log);
    },
    async stop() {
      for (const p of processes.splice(0).reverse()) {
        if (p.exitCode !== null || p.signalCode !== null) continue;
        await new Promise<void>((resolve) => {
          const late = setTimeout(() => {
            p.kill('SIGKILL');
            resolve();
          }, 10_000);
          p.once('exit', () => {
            clearTimeout(late);
            resolve();
          });
          p.kill('SIGTERM');
        });
      }
    },
  };
}

/** Where a controller running outside the cluster reaches its API server, as a pod's service account would. */
export interface InClusterAccess {
  readonly apiPort: number;
  /** A bearer token the API server accepts. */
  readonly token: string;
  /** PEM of the CA that signed the API server's serving certificate. */
  readonly caPem: string | Buffer;
}

/**
 * Starts the real sealed-secrets controller of the toolchain against an API server on 127.0.0.1.
 * It reads only in-cluster config (rest.InClusterConfig: fixed paths under
 * /run/secrets/kubernetes.io/serviceaccount), so it runs in a private mount namespace where those
 * files exist; the host is not touched. Resolves to the URL of its certificate once it serves it.
 */
export async function startSealedSecretsController(
  group: ProcessGroup,
  dir: string,
  name: string,
  access: InClusterAccess,
): Promise<{ certUrl: string }> {
  const controller = toolchainPath('TOOLCHAIN_SEALED_SECRETS_CONTROLLER');
  const [http, metrics] = [await freePort(), await freePort()];
  const sa = join(dir, `${name}-serviceaccount`);
  mkdirSync(sa);
  writeFileSync(join(sa, 'token'), access.token);
  writeFileSync(join(sa, 'ca.crt'), access.caPem);
  writeFileSync(join(sa, 'namespace'), 'kube-system');
  const mounts = `mount -t tmpfs none /run && mkdir -p /run/secrets/kubernetes.io && cp -r '${sa}' /run/secrets/kubernetes.io/serviceaccount`;
  group.start(
    name,
    'unshare',
    [
      ...['-m', '--propagation', 'private', 'sh', '-c', `${mounts} && exec '${controller}' "$@"`, 'controller'],
      ...['--listen-addr', `127.0.0.1:${http}`, '--listen-metrics-addr', `127.0.0.1:${metrics}`, '--key-size', '2048'],
    ],
    { ...process.env, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(access.apiPort) },
  );
  const certUrl = `http://127.0.0.1:${http}/v1/cert.pem`;
  await until(
    `the certificate of ${name}`,
    () => (execFileSync('curl', ['-sf', certUrl], { encoding: 'utf8' }).includes('BEGIN CERTIFICATE') ? true : undefined),
    60,
    dir,
  );
  return { certUrl };
}

export async function startControlPlane(prefix: string): Promise<OwnControlPlane> {
  const etcd = toolchainPath('TOOLCHAIN_ETCD');
  const apiserver = toolchainPath('TOOLCHAIN_KUBE_APISERVER');
  const kubectlBin = toolchainPath('TOOLCHAIN_KUBECTL');
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const group = processGroup(dir);
  const start = group.start;
  const stop = async () => {
    await group.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const [client, peer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const url = (port: number) => `http://127.0.0.1:${port}`;
  start('etcd', etcd, [
    ...['--data-dir', join(dir, 'etcd'), '--listen-client-urls', url(client), '--advertise-client-urls', url(client)],
    ...['--listen-peer-urls', url(peer), '--initial-advertise-peer-urls', url(peer), '--initial-cluster', `default=${url(peer)}`],
  ]);
  execFileSync('openssl', ['genrsa', '-out', join(dir, 'sa.key'), '2048'], { stdio: 'ignore' });
  execFileSync('openssl', ['rsa', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub')], { stdio: 'ignore' });
  const token = randomBytes(16).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin,system:masters\n`);
  start('kube-apiserver', apiserver, [
    ...['--etcd-servers', url(client), '--secure-port', String(apiPort), '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1'],
    ...['--cert-dir', join(dir, 'certs'), '--token-auth-file', join(dir, 'tokens.csv'), '--authorization-mode', 'AlwaysAllow'],
    ...['--service-account-key-file', join(dir, 'sa.pub'), '--service-account-signing-key-file', join(dir, 'sa.key')],
    ...['--service-account-issuer', 'https://kubernetes.default.svc', '--service-cluster-ip-range', '10.0.0.0/24'],
  ]);
  const ca = join(dir, 'certs', 'apiserver.crt');
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${apiPort}", certificate-authority: ${ca}}}]\nusers: [{name: u, user: {token: ${token}}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`,
  );
  const kubectl = (...args: string[]) =>
    execFileSync(kubectlBin, ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await until('the API server', () => (kubectl('get', '--raw', '/readyz') === 'ok' ? true : undefined), 60, dir);
  } catch (err) {
    await stop();
    throw err;
  }
  const strictDryRun = (obj: object) => {
    const r = spawnSync(
      kubectlBin,
      ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--dry-run=server', '--validate=strict', '-f', '-'],
      {
        input: JSON.stringify(obj),
        encoding: 'utf8',
      },
    );
    return { status: r.status ?? -1, stderr: r.stderr };
  };
  return { dir, kubeconfig, apiPort, token, ca, kubectl, strictDryRun, start, stop };
}
