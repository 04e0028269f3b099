// Host-side tools of the real-node tests: the node's containerd, a port-forward, HTTP through a
// Service's ClusterIP (kube-proxy's rules on the host), a steady load with its figures, and a
// sequence of steps that stops at the first failure.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { LANE, ok, run, kubectlJson } from '../../scripts/cluster/lane-workspace';

/** The real-node cluster's state directory (scripts/cluster/local-up.sh), and its node's. */
export const CLUSTER_DIR = dirname(LANE.kubeconfig);
export const NODE_DIR = join(CLUSTER_DIR, 'node');
export const CONTAINERD_SOCKET = join(NODE_DIR, 'containerd.sock');

/** An image the node runs, by its images.env key (NODE_IMAGE_POSTGRES, …). */
export function nodeImage(key: string): string {
  const value = process.env[key];
  if (value === undefined || value === '') throw new Error(`${key} is not set: scripts/cluster/lane.sh exports the node's images`);
  return value;
}

/** `ctr` against the node's own containerd, in the CRI's namespace. */
export function ctr(args: string[]): string {
  return ok(run('ctr', ['--address', CONTAINERD_SOCKET, '-n', 'k8s.io', ...args], CLUSTER_DIR)).stdout;
}

/** Host PID of a container's main process, from the containerd:// id the pod's status reports. */
export function containerPid(namespace: string, pod: string, container: string): number {
  const status = kubectlJson(['get', 'pod', pod, '-n', namespace]).status;
  const id = (status.containerStatuses as { name: string; containerID?: string }[]).find((c) => c.name === container)?.containerID;
  if (id === undefined || !id.startsWith('containerd://'))
    throw new Error(`pod ${namespace}/${pod}: container ${container} has no containerd id`);
  const line = ctr(['tasks', 'ls'])
    .split('\n')
    .find((l) => l.startsWith(id.slice('containerd://'.length)));
  if (line === undefined) throw new Error(`containerd has no task for ${id}`);
  return Number(line.trim().split(/\s+/)[1]);
}

/** The user a host process runs as, and whether its root filesystem is mounted read-only. */
export function processFacts(pid: number): { uid: number; readOnlyRoot: boolean } {
  const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  const root = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[4] === '/');
  return { uid, readOnlyRoot: root !== undefined && root[5]!.split(',').includes('ro') };
}

export interface Forward {
  readonly port: number;
  stop(): void;
}

/** `kubectl port-forward <target> :<port>`, as the primer's lab runs it; resolves once it listens. */
export function portForward(namespace: string, target: string, remotePort: number): Promise<Forward> {
  const child: ChildProcess = spawn(
    'kubectl',
    ['--kubeconfig', LANE.kubeconfig, 'port-forward', '-n', namespace, target, `:${remotePort}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`port-forward ${target}: no listener after 30 s: ${out}`));
    }, 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), stop: () => child.kill() });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`port-forward ${target} exited ${code}: ${out}`));
    });
  });
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** One HTTP request on a fresh connection (as a client of a Service makes), with a deadline. */
export function http(
  host: string,
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
  timeoutMs = 5000,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, method, path, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

/** The ClusterIP and port of a Service. */
export function serviceAddress(namespace: string, name: string): { host: string; port: number } {
  const svc = kubectlJson(['get', 'service', name, '-n', namespace]);
  return { host: svc.spec.clusterIP as string, port: svc.spec.ports[0].port as number };
}

export interface LoadFigures {
  sent: number;
  failed: number;
  p99Ms: number;
  /** Why each failed request failed: an error code or an HTTP status, with its count. */
  reasons: Record<string, number>;
}

/**
 * A steady load of GET `path` against host:port from `clients` concurrent clients, each request
 * on a new connection, until `stop()`; then its figures. A request fails on any error or on a
 * status of 500 or more.
 */
export function steadyLoad(host: string, port: number, path: string, clients = 4): { stop(): Promise<LoadFigures> } {
  let running = true;
  const latencies: number[] = [];
  const figures: LoadFigures = { sent: 0, failed: 0, p99Ms: 0, reasons: {} };
  const fail = (why: string) => {
    figures.failed += 1;
    figures.reasons[why] = (figures.reasons[why] ?? 0) + 1;
  };
  const loop = async () => {
    while (running) {
      const started = Date.now();
      figures.sent += 1;
      try {
        const r = await http(host, port, 'GET', path, {}, undefined, 5000);
        if (r.status >= 500) fail(`HTTP ${r.status}`);
        else latencies.push(Date.now() - started);
      } catch (err) {
        fail((err as { code?: string }).code ?? (err as Error).message);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const loops = Array.from({ length: clients }, loop);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      latencies.sort((a, b) => a - b);
      figures.p99Ms = latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]!;
      return figures;
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `everyMs` until it returns a value other than undefined, or fails after `ms`. */
export async function until<T>(what: string, ms: number, probe: () => T | undefined | Promise<T | undefined>, everyMs = 500): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`${what}: not within ${ms / 1000} s${last === undefined ? '' : ` (last error: ${(last as Error).message})`}`);
}

/**
 * Steps that build on each other: once one fails, every later one fails at once saying which step
 * it depended on, instead of failing again for the same reason.
 */
export function sequence(): (name: string, fn: () => Promise<void> | void, timeoutMs?: number) => void {
  let broken: string | undefined;
  return (name, fn, timeoutMs) => {
    test(
      name,
      async () => {
        if (broken !== undefined) throw new Error(`did not run: the earlier step '${broken}' failed`);
        try {
          await fn();
        } catch (err) {
          broken = name;
          throw err;
        }
      },
      timeoutMs,
    );
  };
}
